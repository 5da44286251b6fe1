// Queue file encoding and parsing; see queue_file.hpp.
#include "queue/queue_file.hpp"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "base/queue_id.hpp"
#include "base/strings.hpp"

namespace tern::queue {

namespace {
constexpr std::string_view kMagic = "TERN-QUEUE 1";

bool needs_escape(unsigned char c) { return c <= 0x20 || c == 0x7f || c == '%'; }

const char* state_name(RcptState s) {
  switch (s) {
    case RcptState::pending: return "pending";
    case RcptState::done: return "done";
    case RcptState::deferred: return "deferred";
    case RcptState::bounced: return "bounced";
  }
  return "pending";
}

std::optional<RcptState> state_of(std::string_view s) {
  if (s == "done") return RcptState::done;
  if (s == "deferred") return RcptState::deferred;
  if (s == "bounced") return RcptState::bounced;
  if (s == "pending") return RcptState::pending;
  return std::nullopt;
}

// Reads "key f1 f2 …" lines; returns false on a structural error.
struct LineReader {
  std::string_view text;
  size_t pos = 0;
  bool next(std::string_view& line, bool& complete) {
    if (pos >= text.size()) return false;
    size_t nl = text.find('\n', pos);
    complete = nl != std::string_view::npos;
    if (!complete) nl = text.size();
    line = text.substr(pos, nl - pos);
    pos = nl + 1;
    return true;
  }
};

std::optional<double> parse_double(std::string_view s) {
  try {
    size_t used = 0;
    std::string str(s);
    double d = std::stod(str, &used);
    if (used != str.size()) return std::nullopt;
    return d;
  } catch (...) {
    return std::nullopt;
  }
}
}  // namespace

std::string escape_field(std::string_view s) {
  if (s.empty()) return "-";
  if (s == "-") return "%2D";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (needs_escape(static_cast<unsigned char>(c))) out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else out.push_back(c);
  }
  return out;
}

Result<std::string> unescape_field(std::string_view s) {
  if (s == "-") return std::string();
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return Error{"truncated %-escape"};
    int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0) return Error{"bad %-escape"};
    out.push_back(char(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string encode_queue_file(const Message& m) {
  const Envelope& e = m.envelope;
  const ClientInfo& c = e.client;
  std::string out;
  out.reserve(m.content.size() + 512);
  out += fmt::format("{}\nid {}\narrival {:.6f}\nsender {}\n", kMagic, e.queue_id, e.arrival,
                     escape_field(e.sender));
  out += fmt::format("client {} {} {} {} {}\n", escape_field(c.name), escape_field(c.addr), c.port,
                     escape_field(c.helo), escape_field(c.protocol));
  if (!c.sasl_method.empty() || !c.sasl_username.empty())
    out += fmt::format("sasl {} {}\n", escape_field(c.sasl_method), escape_field(c.sasl_username));
  if (c.local_source) out += "source local\n";
  if (!e.envid.empty()) out += "envid " + escape_field(e.envid) + "\n";
  if (!e.ret.empty()) out += "ret " + escape_field(e.ret) + "\n";
  if (!e.body_type.empty()) out += "body " + escape_field(e.body_type) + "\n";
  if (e.smtputf8) out += "smtputf8\n";
  if (!e.verp.empty()) out += "verp " + escape_field(e.verp) + "\n";
  if (e.requiretls) out += "requiretls\n";
  if (!e.filter.empty()) out += "filter " + escape_field(e.filter) + "\n";
  if (e.verify_probe) out += "probe\n";
  for (const auto& r : e.recipients) {
    out += fmt::format("rcpt {} {} {}", escape_field(r.address), escape_field(r.orcpt), int(r.notify));
    if (!r.original.empty()) out += " " + escape_field(r.original);
    out += '\n';
  }
  out += fmt::format("content {}\n", m.content.size());
  out += m.content;
  out += "\nsealed\n";
  return out;
}

std::string encode_outcome(size_t rcpt_index, RcptState state, double when, std::string_view reason,
                           std::string_view dsn) {
  if (dsn.empty())
    return fmt::format("outcome {} {} {:.6f} {}\n", rcpt_index, state_name(state), when,
                       escape_field(reason));
  return fmt::format("outcome {} {} {:.6f} {} {}\n", rcpt_index, state_name(state), when,
                     escape_field(reason), escape_field(dsn));
}

std::string encode_delay_warned(double when) { return fmt::format("warned {:.6f}\n", when); }

std::string encode_forced_expire(double when) { return fmt::format("expire {:.6f}\n", when); }

ParsedFile parse_queue_file(std::string_view text) {
  ParsedFile pf;
  auto fail = [&](std::string why) {
    pf.status = ParseStatus::malformed;
    pf.error = std::move(why);
    return pf;
  };
  LineReader lr{text};
  std::string_view line;
  bool complete = false;
  if (!lr.next(line, complete) || !complete) return pf.status = ParseStatus::unsealed, pf;
  if (line != kMagic) return fail("not a Tern queue file (bad first line)");
  Envelope& e = pf.message.envelope;
  bool have_content = false;
  while (!have_content) {
    if (!lr.next(line, complete) || !complete) {
      pf.status = ParseStatus::unsealed;
      pf.error = "truncated before the content";
      return pf;
    }
    auto f = split_any(line, " ");
    if (f.empty()) return fail("empty record line");
    auto field = [&](size_t i) -> Result<std::string> {
      if (i >= f.size()) return Error{"missing field in \"" + printable(line, 60) + "\""};
      return unescape_field(f[i]);
    };
    auto key = f[0];
    std::vector<std::string> v;
    for (size_t i = 1; i < f.size(); ++i) {
      auto x = field(i);
      if (!x) return fail(x.error().message);
      v.push_back(std::move(*x));
    }
    auto want = [&](size_t n) { return v.size() == n; };
    if (key == "id" && want(1) && is_valid_queue_id(v[0])) e.queue_id = v[0];
    else if (key == "arrival" && want(1) && parse_double(v[0])) e.arrival = *parse_double(v[0]);
    else if (key == "sender" && want(1)) e.sender = v[0];
    else if (key == "client" && want(5) && parse_int(v[2])) {
      e.client.name = v[0];
      e.client.addr = v[1];
      e.client.port = int(*parse_int(v[2]));
      e.client.helo = v[3];
      e.client.protocol = v[4];
    } else if (key == "sasl" && want(2)) {
      e.client.sasl_method = v[0];
      e.client.sasl_username = v[1];
    } else if (key == "source" && want(1) && v[0] == "local") {
      e.client.local_source = true;
    } else if (key == "envid" && want(1)) e.envid = v[0];
    else if (key == "ret" && want(1)) e.ret = v[0];
    else if (key == "body" && want(1)) e.body_type = v[0];
    else if (key == "smtputf8" && want(0)) e.smtputf8 = true;
    else if (key == "verp" && want(1)) e.verp = v[0];
    else if (key == "requiretls" && want(0)) e.requiretls = true;
    else if (key == "filter" && want(1)) e.filter = v[0];
    else if (key == "probe" && want(0)) e.verify_probe = true;
    else if (key == "rcpt" && (want(3) || want(4)) && parse_int(v[2]) && *parse_int(v[2]) >= 0 &&
             *parse_int(v[2]) < 256) {
      e.recipients.push_back({v[0], v[1], uint8_t(*parse_int(v[2]))});
      if (v.size() == 4) e.recipients.back().original = v[3];
    } else if (key == "content" && want(1) && parse_int(v[0]) && *parse_int(v[0]) >= 0) {
      size_t n = size_t(*parse_int(v[0]));
      if (text.size() - lr.pos < n + 1) {
        pf.status = ParseStatus::unsealed;
        pf.error = "truncated content";
        return pf;
      }
      pf.message.content.assign(text.substr(lr.pos, n));
      if (text[lr.pos + n] != '\n') return fail("content length does not match");
      lr.pos += n + 1;
      have_content = true;
    } else {
      return fail("bad record \"" + printable(line, 60) + "\"");
    }
  }
  if (!lr.next(line, complete) || !complete || line != "sealed") {
    pf.status = ParseStatus::unsealed;
    pf.error = "no seal after the content";
    return pf;
  }
  if (e.queue_id.empty() || e.recipients.empty() || !std::isfinite(e.arrival) || e.arrival <= 0)
    return fail("missing id, arrival or recipients");
  while (lr.next(line, complete)) {
    if (!complete) break;  // a crash during an append: the outcome was never recorded
    auto f = split_any(line, " ");
    if (f.size() == 2 && f[0] == "warned" && parse_double(f[1])) {
      e.delay_warned = true;
      continue;
    }
    if (f.size() == 2 && f[0] == "expire" && parse_double(f[1])) {
      e.forced_expire = true;
      continue;
    }
    if ((f.size() != 5 && f.size() != 6) || f[0] != "outcome") return fail("bad outcome record");
    auto idx = parse_int(f[1]);
    auto st = state_of(f[2]);
    auto reason = unescape_field(f[4]);
    auto dsn = f.size() == 6 ? unescape_field(f[5]) : Result<std::string>(std::string());
    if (!idx || *idx < 0 || size_t(*idx) >= e.recipients.size() || !st || !reason || !dsn)
      return fail("bad outcome record \"" + printable(line, 60) + "\"");
    e.recipients[size_t(*idx)].state = *st;
    e.recipients[size_t(*idx)].reason = std::move(*reason);
    e.recipients[size_t(*idx)].dsn = std::move(*dsn);
  }
  pf.status = ParseStatus::ok;
  return pf;
}

}  // namespace tern::queue
