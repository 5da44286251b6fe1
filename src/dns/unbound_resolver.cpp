// UnboundResolver and make_resolver; see unbound_resolver.hpp.
#include "dns/unbound_resolver.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <unbound.h>

#include <asio/dispatch.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <optional>
#include <mutex>
#include <stdexcept>

#include "base/file.hpp"
#include "base/net.hpp"
#include "base/strings.hpp"
#include "config/config.hpp"
#include "dns/unbound_answer.hpp"

namespace tern::dns {

namespace {

constexpr int kClassIn = 1;

// RFC 6761 special-use names and the RFC 6303 reverse zones Tern's tests (and admins with
// private networks) need answered by the DNS rather than by libunbound's built-in empty zones.
constexpr std::string_view kSpecialZones[] = {
    "test.", "invalid.", "example.",
    "127.in-addr.arpa.", "10.in-addr.arpa.", "168.192.in-addr.arpa.",
    "2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
};

Answer failed(std::string why) {
  Answer a;
  a.error = std::move(why);
  return a;
}

Answer timed_out(std::string_view name, Type type, std::chrono::milliseconds limit) {
  return failed(fmt::format("lookup of {}/{} timed out after {}ms", name, type_name(type), limit.count()));
}

struct Context {
  ub_ctx* ctx = nullptr;
  ~Context() {
    if (ctx) ub_ctx_delete(ctx);
  }
};

// One libunbound context with Tern's settings and its own worker thread (not a forked
// process: ternd's roles must not grow children behind the master's back).
Result<ub_ctx*> new_context(const UnboundOptions& o, const std::vector<std::string>& anchors) {
  Context c;
  c.ctx = ub_ctx_create();
  if (!c.ctx) return Error{"cannot create a libunbound context"};
  auto check = [](int rc, std::string_view what) -> Status {
    if (rc != 0) return Error{fmt::format("{}: {}", what, ub_strerror(rc))};
    return ok_status();
  };
  if (auto s = check(ub_ctx_async(c.ctx, 1), "libunbound threads"); !s) return s.error();
  // "transparent" with no local data resolves every name normally. ("nodefault", which
  // says the same in unbound.conf, has no effect through ub_ctx_set_option in libunbound
  // 1.17: the names stay NXDOMAIN.)
  for (auto zone : kSpecialZones) {
    auto value = fmt::format("{} transparent", zone);
    if (auto s = check(ub_ctx_set_option(c.ctx, "local-zone:", value.c_str()), "local-zone " + value); !s)
      return s.error();
  }
  if (o.forward_servers.empty()) {
    if (auto s = check(ub_ctx_resolvconf(c.ctx, nullptr), "/etc/resolv.conf"); !s) return s.error();
  }
  for (const auto& server : o.forward_servers)
    if (auto s = check(ub_ctx_set_fwd(c.ctx, server.c_str()), "dns_forward_servers: " + server); !s)
      return s.error();
  for (const auto& rr : anchors)
    if (auto s = check(ub_ctx_add_ta(c.ctx, rr.c_str()), "dns_trust_anchor_file: " + rr); !s) return s.error();
  return std::exchange(c.ctx, nullptr);
}

// The anchor file's records, read now: libunbound would read the file at the first lookup,
// which may come after the role has chrooted. A missing file means no validation.
Result<std::vector<std::string>> read_anchors(const std::string& path) {
  std::error_code ec;
  if (path.empty() || !std::filesystem::is_regular_file(path, ec)) return std::vector<std::string>{};
  auto text = read_file(path);
  if (!text) return Error{"dns_trust_anchor_file: " + text.error().message};
  auto rrs = anchor_records(*text);
  if (!rrs) return Error{"dns_trust_anchor_file: " + path + ": " + rrs.error().message};
  return rrs;
}

// "addr" or "addr@port" with a literal address.
bool valid_server(std::string_view s) {
  auto at = s.find('@');
  if (at != std::string_view::npos) {
    auto port = parse_int(s.substr(at + 1));
    if (!port || *port < 1 || *port > 65535) return false;
    s = s.substr(0, at);
  }
  return !s.starts_with('[') && IpAddress::parse(s).has_value();
}

}  // namespace

std::span<const std::string_view> special_use_zones() { return kSpecialZones; }

Result<std::vector<std::string>> anchor_records(std::string_view text) {
  std::vector<std::string> out;
  std::string rr;
  int depth = 0;
  int line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = std::min(text.find('\n', pos), text.size());
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    line = trim(line.substr(0, line.find(';')));
    if (line.empty()) continue;
    if (depth == 0 && line.front() == '$')
      return Error{fmt::format("line {}: zone file directives are not supported", line_no)};
    for (char c : line) {
      if (c == '(') ++depth;
      else if (c == ')') --depth;
      else rr += c;
    }
    if (depth < 0) return Error{fmt::format("line {}: \")\" without \"(\"", line_no)};
    if (depth > 0) {
      rr += ' ';
      continue;
    }
    out.push_back(std::move(rr));
    rr.clear();
  }
  if (depth != 0) return Error{"unclosed \"(\" at the end"};
  return out;
}

Result<UnboundOptions> unbound_options(const config::Params& p) {
  UnboundOptions o;
  for (const auto& s : p.dns_forward_servers) {
    if (!valid_server(s))
      return Error{fmt::format("dns_forward_servers: bad server \"{}\" (want an IP address or address@port)", s)};
    o.forward_servers.push_back(s);
  }
  o.trust_anchor_file = p.dns_trust_anchor_file;
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(p.dns_query_timeout);
  return o;
}

// ---- blocking lookups ----

// Callers of lookup() take turns (`pump`) reading the context's descriptor; whoever reads
// runs the callbacks of every finished query, each of which wakes its own caller.
struct UnboundResolver::Blocking {
  ub_ctx* ctx = nullptr;
  std::chrono::milliseconds timeout;
  std::mutex pump;
  ~Blocking() {
    if (ctx) ub_ctx_delete(ctx);
  }
};

namespace {

struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Answer answer;
};

// `data` is a heap shared_ptr<Waiter> the callback owns (the caller keeps its own copy).
void on_blocking_result(void* data, int err, ub_result* r) {
  auto* hold = static_cast<std::shared_ptr<Waiter>*>(data);
  Answer a = answer_from_unbound(err, r);
  if (r) ub_resolve_free(r);
  {
    std::lock_guard lock((*hold)->mu);
    (*hold)->answer = std::move(a);
    (*hold)->done = true;
  }
  (*hold)->cv.notify_all();
  delete hold;
}

std::optional<Answer> take(Waiter& w) {
  std::lock_guard lock(w.mu);
  if (!w.done) return std::nullopt;
  return std::move(w.answer);
}

}  // namespace

Answer UnboundResolver::lookup(std::string_view name, Type type) {
  Blocking& b = *blocking_;
  auto w = std::make_shared<Waiter>();
  auto* hold = new std::shared_ptr<Waiter>(w);
  std::string qname(name);
  int id = 0;
  int rc = ub_resolve_async(b.ctx, qname.c_str(), static_cast<int>(type), kClassIn, hold, on_blocking_result, &id);
  if (rc != 0) {
    delete hold;
    return failed(fmt::format("lookup of {}/{}: {}", name, type_name(type), ub_strerror(rc)));
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + b.timeout;
  for (;;) {
    if (auto a = take(*w)) return std::move(*a);
    auto now = Clock::now();
    if (now >= deadline) break;
    auto slice = std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(50));
    std::unique_lock pump(b.pump, std::try_to_lock);
    if (pump.owns_lock()) {
      pollfd p{ub_fd(b.ctx), POLLIN, 0};
      int ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count());
      if (::poll(&p, 1, ms) > 0) ub_process(b.ctx);
    } else {
      std::unique_lock lock(w->mu);
      w->cv.wait_for(lock, slice, [&] { return w->done; });
    }
  }
  // Out of time. A failed cancel means the answer arrived meanwhile (or is arriving on
  // another thread, whose callback then frees `hold`).
  if (ub_cancel(b.ctx, id) == 0) delete hold;
  else if (auto a = take(*w)) return std::move(*a);
  return timed_out(name, type, b.timeout);
}

// ---- asynchronous lookups ----

// Lives as long as the event loop holds handlers for it; touched only on the io_context's
// thread (start() dispatches there), so it needs no lock.
struct UnboundResolver::Async : std::enable_shared_from_this<UnboundResolver::Async> {
  struct Query {
    explicit Query(asio::io_context& io) : timer(io) {}
    Async* owner = nullptr;
    uint64_t serial = 0;
    int id = 0;
    Done done;
    asio::steady_timer timer;
  };

  Async(asio::io_context& i, ub_ctx* c, std::chrono::milliseconds t) : io(i), ctx(c), fd(i, ub_fd(c)), timeout(t) {}
  ~Async() {
    fd.release();  // libunbound owns the descriptor
    ub_ctx_delete(ctx);
  }

  void begin(const std::string& name, Type type, Done done);
  void watch();
  void expire(uint64_t serial, const std::string& name, Type type);
  void close();
  static void on_result(void* data, int err, ub_result* r);

  asio::io_context& io;
  ub_ctx* ctx;
  asio::posix::stream_descriptor fd;
  std::chrono::milliseconds timeout;
  std::map<uint64_t, std::unique_ptr<Query>> queries;
  uint64_t next_serial = 0;
  bool watching = false;
  bool closed = false;
};

void UnboundResolver::Async::begin(const std::string& name, Type type, Done done) {
  if (closed) return;
  auto q = std::make_unique<Query>(io);
  q->owner = this;
  q->serial = ++next_serial;
  int rc = ub_resolve_async(ctx, name.c_str(), static_cast<int>(type), kClassIn, q.get(), &Async::on_result, &q->id);
  if (rc != 0) {
    Answer a = failed(fmt::format("lookup of {}/{}: {}", name, type_name(type), ub_strerror(rc)));
    asio::post(io, [done = std::move(done), a = std::move(a)]() mutable { done(std::move(a)); });
    return;
  }
  q->done = std::move(done);
  q->timer.expires_after(timeout);
  q->timer.async_wait([self = shared_from_this(), serial = q->serial, name, type](std::error_code ec) {
    if (!ec) self->expire(serial, name, type);
  });
  queries.emplace(q->serial, std::move(q));
  watch();
}

void UnboundResolver::Async::watch() {
  if (watching || closed || queries.empty()) return;
  watching = true;
  fd.async_wait(asio::posix::stream_descriptor::wait_read, [self = shared_from_this()](std::error_code ec) {
    self->watching = false;
    if (self->closed || (ec && ec != asio::error::operation_aborted)) return;  // timers end the queries
    if (!ec) ub_process(self->ctx);  // runs on_result for every finished query
    self->watch();  // also after a cancel (nothing left to wait for) that a new query overtook
  });
}

void UnboundResolver::Async::on_result(void* data, int err, ub_result* r) {
  auto* q = static_cast<Query*>(data);
  Async& self = *q->owner;
  Answer a = answer_from_unbound(err, r);
  if (r) ub_resolve_free(r);
  auto it = self.queries.find(q->serial);
  if (it == self.queries.end()) return;  // cancelled queries get no callback; defensive
  auto owned = std::move(it->second);
  self.queries.erase(it);
  owned->timer.cancel();
  asio::post(self.io, [done = std::move(owned->done), a = std::move(a)]() mutable { done(std::move(a)); });
}

void UnboundResolver::Async::expire(uint64_t serial, const std::string& name, Type type) {
  auto it = queries.find(serial);
  if (it == queries.end()) return;  // answered while the timer's handler was queued
  ub_cancel(ctx, it->second->id);
  auto owned = std::move(it->second);
  queries.erase(it);
  asio::post(io, [done = std::move(owned->done), a = timed_out(name, type, timeout)]() mutable { done(std::move(a)); });
  if (queries.empty()) {  // stop waiting, so that a loop with nothing else to do can return
    std::error_code ec;
    fd.cancel(ec);
  }
}

void UnboundResolver::Async::close() {
  closed = true;
  std::error_code ec;
  fd.cancel(ec);
  for (auto& [serial, q] : queries) ub_cancel(ctx, q->id);
  queries.clear();  // their timers' handlers run with operation_aborted
}

void UnboundResolver::start(std::string_view name, Type type, Done done) {
  if (!async_) throw std::logic_error("dns::UnboundResolver::start() needs a resolver made with an io_context");
  asio::dispatch(async_->io, [a = async_, n = std::string(name), type, done = std::move(done)]() mutable {
    a->begin(n, type, std::move(done));
  });
}

// ---- making and ending ----

Result<std::shared_ptr<UnboundResolver>> UnboundResolver::make(const UnboundOptions& o, asio::io_context* io) {
  std::shared_ptr<UnboundResolver> r(new UnboundResolver);
  r->blocking_ = std::make_unique<Blocking>();
  r->blocking_->timeout = o.timeout;
  auto anchors = read_anchors(o.trust_anchor_file);
  if (!anchors) return anchors.error();
  r->validating_ = !anchors->empty();
  auto ctx = new_context(o, *anchors);
  if (!ctx) return ctx.error();
  r->blocking_->ctx = *ctx;
  if (io) {
    auto actx = new_context(o, *anchors);
    if (!actx) return actx.error();
    r->async_ = std::make_shared<Async>(*io, *actx, o.timeout);
  }
  return r;
}

UnboundResolver::~UnboundResolver() {
  if (async_) asio::dispatch(async_->io, [a = async_] { a->close(); });
}

Result<std::shared_ptr<Resolver>> make_resolver(const config::Config& cfg, asio::io_context* io) {
  return make_resolver(cfg.params, io);
}

Result<std::shared_ptr<Resolver>> make_resolver(const config::Params& p, asio::io_context* io) {
  if (p.disable_dns_lookups) return Error{"DNS lookups are disabled (disable_dns_lookups = yes)"};
  auto o = unbound_options(p);
  if (!o) return o.error();
  auto r = UnboundResolver::make(*o, io);
  if (!r) return r.error();
  return std::shared_ptr<Resolver>(std::move(*r));
}

}  // namespace tern::dns
