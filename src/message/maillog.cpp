// Mail events; see maillog.hpp.
#include "message/maillog.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::maillog {

void connect(const log::Logger& l, const ClientInfo& c) { l.info("connect from {}", c.log_name()); }

void client(const log::Logger& l, std::string_view qid, const ClientInfo& c, const ClientInfo* orig_client,
            std::string_view orig_queue_id) {
  std::string extra;
  if (!c.sasl_method.empty())
    extra = fmt::format(", sasl_method={}, sasl_username={}", c.sasl_method, printable(c.sasl_username));
  if (!orig_queue_id.empty()) extra += fmt::format(", orig_queue_id={}", printable(orig_queue_id));
  if (orig_client) extra += fmt::format(", orig_client={}", printable(orig_client->log_name()));
  l.info("{}: client={}{}", qid, c.log_name(), extra);
}

void message_id(const log::Logger& l, std::string_view qid, std::string_view id) {
  l.info("{}: message-id={}", qid, id.empty() ? std::string("<>") : printable(id));
}

void queued(const log::Logger& l, std::string_view qid, std::string_view sender, size_t size,
            size_t nrcpt) {
  l.info("{}: from=<{}>, size={}, nrcpt={} (queue active)", qid, printable(sender), size, nrcpt);
}

void removed(const log::Logger& l, std::string_view qid) { l.info("{}: removed", qid); }

void reject(const log::Logger& l, std::string_view qid, std::string_view command,
            const ClientInfo& c, std::string_view reply, std::string_view sender,
            std::string_view rcpt) {
  event(l, qid, "reject", command, c, reply, sender, rcpt);
}

void event(const log::Logger& l, std::string_view qid, std::string_view what, std::string_view command,
           const ClientInfo& c, std::string_view text, std::string_view sender, std::string_view rcpt) {
  std::string r(text);
  while (!r.empty() && (r.back() == '\n' || r.back() == '\r')) r.pop_back();
  std::string to = rcpt.empty() ? "" : fmt::format(" to=<{}>", printable(rcpt));
  l.info("{}: {}: {} from {}: {}; from=<{}>{} proto={} helo=<{}>", qid.empty() ? "NOQUEUE" : qid, what,
         command, c.log_name(), printable(r, 512), printable(sender), to, c.protocol,
         printable(c.helo));
}

// As Postfix prints delays: whole seconds from 10 s, one decimal from 1 s, else two
// decimals, trailing zeros dropped ("0.41", "0.2", "0.05", "0", "1.1", "30").
std::string format_delay(double s) {
  std::string out = s >= 10 ? fmt::format("{:.0f}", s) : s >= 1 ? fmt::format("{:.1f}", s) : fmt::format("{:.2f}", s < 0 ? 0.0 : s);
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return out;
}

void delivery(const log::Logger& l, std::string_view qid, const Delivery& d) {
  std::string orig = d.orig_to.empty() || d.orig_to == d.to ? "" : fmt::format(", orig_to=<{}>", printable(d.orig_to));
  l.info("{}: to=<{}>{}, relay={}, delay={}, delays={}/{}/{}/{}, dsn={}, status={} ({})", qid,
         printable(d.to), orig, d.relay, format_delay(d.delay), format_delay(d.delays[0]),
         format_delay(d.delays[1]), format_delay(d.delays[2]), format_delay(d.delays[3]), d.dsn,
         d.status, printable(d.text, 512));
}

void CommandCounts::add(std::string_view verb, bool ok) {
  auto& c = by_verb[std::string(verb)];
  ++c.total;
  if (ok) ++c.ok;
}

std::string format_counts(const CommandCounts& counts) {
  static const char* kOrder[] = {"helo", "ehlo", "xforward", "starttls", "auth", "mail", "rcpt", "data",
                                 "bdat", "rset", "noop", "vrfy", "etrn", "quit", "unknown"};
  std::string out;
  int ok = 0, total = 0;
  for (const char* v : kOrder) {
    auto it = counts.by_verb.find(v);
    if (it == counts.by_verb.end()) continue;
    const auto& c = it->second;
    ok += c.ok;
    total += c.total;
    out += c.ok == c.total ? fmt::format(" {}={}", v, c.ok) : fmt::format(" {}={}/{}", v, c.ok, c.total);
  }
  out += ok == total ? fmt::format(" commands={}", ok) : fmt::format(" commands={}/{}", ok, total);
  return out;
}

void disconnect(const log::Logger& l, const ClientInfo& c, const CommandCounts& counts) {
  l.info("disconnect from {}{}", c.log_name(), format_counts(counts));
}

}  // namespace tern::maillog
