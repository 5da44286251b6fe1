// check_greylist; see greylist.hpp. One decision: whitelists (no database), then in one
// write transaction the client auto-whitelist and the triplet, then the answer's text.
#include "policy/greylist.hpp"

#include <asio/co_spawn.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>

#include <ctime>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "base/time.hpp"
#include "policy/greylist_triplet.hpp"

namespace tern::policy {

namespace {

// Replaces every "%c" in `text` with `value`.
std::string substitute(std::string text, char c, std::string_view value) {
  const char pat[3] = {'%', c, 0};
  for (size_t at = text.find(pat); at != std::string::npos; at = text.find(pat, at + value.size()))
    text.replace(at, 2, value);
  return text;
}

std::string client_label(std::string_view name, const IpAddress& addr) {
  return std::string(name.empty() ? "unknown" : name) + "[" + addr.to_string() + "]";
}

Result<std::string> database_file(const std::string& spec) {
  auto colon = spec.find(':');
  if (colon == std::string::npos)
    return Error{"greylist_database: expected lmdb:/path, got \"" + printable(spec, 80) + "\""};
  std::string type = lower(spec.substr(0, colon)), name = spec.substr(colon + 1);
  if (type != "lmdb")
    return Error{"greylist_database: table type \"" + printable(type, 40) +
                 "\" is not supported for greylisting (only lmdb: is implemented)"};
  if (name.empty() || name.front() != '/')
    return Error{"greylist_database: \"" + printable(spec, 80) + "\" needs an absolute path"};
  return name + ".lmdb";
}

}  // namespace

Clock system_clock() {
  return [] { return static_cast<long long>(std::time(nullptr)); };
}

Result<GreylistSettings> greylist_settings(const config::Params& p) {
  GreylistSettings s;
  auto file = database_file(p.greylist_database);
  if (!file) return file.error();
  s.database = *file;
  s.map_size = size_t(p.lmdb_map_size);
  s.timing.delay = p.greylist_delay.count();
  s.timing.max_age = p.greylist_max_age.count();
  s.timing.retry_window = p.greylist_retry_window.count();
  s.timing.auto_whitelist = p.greylist_auto_whitelist_clients;
  s.ipv4_prefix = int(p.greylist_ipv4_prefix);
  s.ipv6_prefix = int(p.greylist_ipv6_prefix);
  // Relative file names are relative to the configuration directory, as *_file ones are.
  for (const auto& f : p.greylist_whitelist_clients) s.client_files.push_back(resolve_path(p.config_directory, f));
  for (const auto& f : p.greylist_whitelist_recipients)
    s.recipient_files.push_back(resolve_path(p.config_directory, f));
  s.reply = p.greylist_reply;
  s.header = p.greylist_header;
  s.hostname = p.myhostname;
  s.cleanup_interval = p.greylist_cleanup_interval.count();
  return s;
}

Greylist::Greylist(GreylistSettings s, Clock clock, ClientWhitelist c, RecipientWhitelist r,
                   std::shared_ptr<GreylistStore> store)
    : settings_(std::move(s)), clock_(std::move(clock)), clients_(std::move(c)), recipients_(std::move(r)),
      store_(std::move(store)) {}

Result<std::unique_ptr<Greylist>> Greylist::open(const GreylistSettings& s, Clock clock) {
  auto clients = load_client_whitelist(s.client_files);
  if (!clients) return Error{"greylist_whitelist_clients: " + clients.error().message};
  auto recipients = load_recipient_whitelist(s.recipient_files);
  if (!recipients) return Error{"greylist_whitelist_recipients: " + recipients.error().message};
  auto store = GreylistStore::open(s.database, s.map_size);
  if (!store) return Error{"greylist_database: " + store.error().message};
  std::unique_ptr<Greylist> g(
      new Greylist(s, std::move(clock), std::move(*clients), std::move(*recipients), std::move(*store)));
  if (auto p = g->purge(); !p) return Error{"greylist_database: " + p.error().message};
  return g;
}

Result<GreylistPurge> purge_expired(GreylistStore& store, const GreylistTiming& t, long long now) {
  GreylistPurge n;
  auto triplets = store.remove_if(GreylistTable::triplets, [&](std::string_view v) {
    auto r = decode_triplet(v);
    return !r || is_expired(*r, now, t);  // a damaged record is dropped, as postgrey does
  });
  if (!triplets) return triplets.error();
  auto clients = store.remove_if(GreylistTable::clients, [&](std::string_view v) {
    auto r = decode_client(v);
    return !r || is_expired(*r, now, t);
  });
  if (!clients) return clients.error();
  n.triplets = *triplets;
  n.clients = *clients;
  return n;
}

Result<GreylistPurge> Greylist::purge() {
  long long now = clock_();
  auto n = purge_expired(*store_, settings_.timing, now);
  if (!n) return n.error();
  last_purge_ = now;
  if (n->triplets.removed || n->clients.removed)
    log_.info("greylist: purged {} of {} triplets and {} of {} clients from {}", n->triplets.removed,
              n->triplets.removed + n->triplets.kept, n->clients.removed, n->clients.removed + n->clients.kept,
              store_->path());
  return n;
}

Result<std::string> Greylist::check(const PolicyRequest& request) {
  if (request.get("protocol_state") != "RCPT" || request.get("recipient").empty()) return std::string("DUNNO");
  std::string_view addr_text = request.get("client_address");
  auto client = IpAddress::parse(addr_text);
  if (!client) return Error{"greylist: bad client_address \"" + printable(addr_text, 60) + "\""};
  long long now = clock_();
  auto action = decide(request, *client, now);
  if (settings_.cleanup_interval > 0 && now - last_purge_ >= settings_.cleanup_interval) {
    if (auto p = purge(); !p) log_.warning("greylist: {}", p.error().message);
  }
  return action;
}

Result<std::string> Greylist::decide(const PolicyRequest& request, const IpAddress& client, long long now) {
  std::string_view name = request.get("client_name"), recipient = request.get("recipient");
  if (clients_.match(client, name.empty() ? "unknown" : name) || recipients_.match(recipient))
    return std::string("DUNNO");
  std::string key = triplet_key(client_network(client, settings_.ipv4_prefix, settings_.ipv6_prefix),
                                request.get("sender"), recipient);
  auto r = record(client.unmapped().to_string(), key, now);
  if (!r) return r.error();
  if (r->client_whitelisted) return std::string("DUNNO");
  const TripletStep& step = r->step;
  std::string who = client_label(name, client);
  if (step.client_whitelisted_now) log_.info("greylist: whitelisted: {}", who);
  switch (step.outcome) {
    case TripletOutcome::greylisted:
      return "DEFER_IF_PERMIT " + reply_text(recipient, step.seconds);
    case TripletOutcome::passed:
      return std::string("DUNNO");
    case TripletOutcome::passed_after_delay:
      log_.info("greylist: pass after {}s: client={}, from=<{}>, to=<{}>", step.seconds, who,
                printable(request.get("sender")), printable(recipient));
      if (settings_.header.empty() || !new_instance(request.get("instance"))) return std::string("DUNNO");
      return "PREPEND " + header_text(step.seconds, now);
  }
  return std::string("DUNNO");
}

// The client auto-whitelist, then (when it does not let the client through) the triplet,
// read and written back in one transaction.
Result<Greylist::Recorded> Greylist::record(const std::string& client_key, const std::string& key, long long now) {
  const GreylistTiming& t = settings_.timing;
  Recorded out;
  auto written = store_->write([&](GreylistStore::Txn& txn) -> Status {
    out = {};
    std::optional<ClientRecord> client;
    if (t.auto_whitelist > 0) {
      auto v = txn.get(GreylistTable::clients, client_key);
      if (!v) return v.error();
      if (*v) client = decode_client(**v);
      ClientCheck awl = check_client(client, now, t);
      if (awl.store)
        if (auto s = txn.put(GreylistTable::clients, client_key, encode(*awl.store)); !s) return s;
      if ((out.client_whitelisted = awl.whitelisted)) return ok_status();
    }
    auto v = txn.get(GreylistTable::triplets, key);
    if (!v) return v.error();
    out.step = step_triplet(*v ? decode_triplet(**v) : std::nullopt, client, now, t);
    if (auto s = txn.put(GreylistTable::triplets, key, encode(out.step.store)); !s) return s;
    if (out.step.client)
      if (auto s = txn.put(GreylistTable::clients, client_key, encode(*out.step.client)); !s) return s;
    return ok_status();
  });
  if (!written) return written.error();
  return out;
}

std::string Greylist::reply_text(std::string_view recipient, long long seconds_left) const {
  std::string text = settings_.reply;
  if (text.empty() || !(text[0] >= '0' && text[0] <= '9')) text = "4.2.0 " + text;
  text = substitute(std::move(text), 's', std::to_string(seconds_left));
  return substitute(std::move(text), 'r', printable(recipient_domain(recipient)));  // goes into a reply
}

std::string Greylist::header_text(long long delayed, long long now) const {
  std::string text = substitute(settings_.header, 't', std::to_string(delayed));
  text = substitute(std::move(text), 'h', settings_.hostname);
  return substitute(std::move(text), 'd', rfc5322_date(static_cast<std::time_t>(now)));
}

// postgrey's is_new_instance: one X-Greylist header per message, remembered for the last
// ten messages; a request without an instance always counts as new.
bool Greylist::new_instance(std::string_view instance) {
  if (instance.empty()) return true;
  for (const auto& i : instances_)
    if (i == instance) return false;
  instances_[next_instance_] = std::string(instance);
  next_instance_ = (next_instance_ + 1) % instances_.size();
  return true;
}

namespace {

class GreylistDelegate final : public Delegate {
 public:
  explicit GreylistDelegate(std::unique_ptr<Greylist> g) : greylist_(std::move(g)) {}
  ~GreylistDelegate() override { pool_.join(); }

  asio::awaitable<Result<std::string>> ask(const PolicyRequest& request) override {
    Answer a = co_await asio::co_spawn(pool_, check_on_pool(request), asio::use_awaitable);
    co_return std::move(a.action);
  }

 private:
  struct Answer {  // co_spawn's result must be default-constructible; Result is not
    Result<std::string> action = Error{"greylist: no answer"};
  };
  // The request is copied into the coroutine: the caller's may be gone when it runs.
  asio::awaitable<Answer> check_on_pool(PolicyRequest request) { co_return Answer{greylist_->check(request)}; }

  std::unique_ptr<Greylist> greylist_;
  asio::thread_pool pool_{1};  // one thread: decisions and the instance list need no lock
};

}  // namespace

Result<std::shared_ptr<Delegate>> make_greylist(const config::Params& p, Clock clock) {
  auto s = greylist_settings(p);
  if (!s) return s.error();
  auto g = Greylist::open(*s, std::move(clock));
  if (!g) return g.error();
  return std::shared_ptr<Delegate>(new GreylistDelegate(std::move(*g)));
}

}  // namespace tern::policy
