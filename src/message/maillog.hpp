// The mail events every tool downstream parses (pflogsumm, grep, jq-by-awk): one typed
// function per event, writing Postfix's exact wording through a service's Logger.
#pragma once
#include <map>
#include <string>
#include <string_view>

#include "base/log.hpp"
#include "message/envelope.hpp"

namespace tern::maillog {

void connect(const log::Logger& l, const ClientInfo& c);
// "ID: client=c[a][, sasl_method=…, sasl_username=…][, orig_queue_id=…][, orig_client=n[a]]":
// `orig_client` is the client XFORWARD named (nullptr: none), `orig_queue_id` its IDENT.
void client(const log::Logger& l, std::string_view qid, const ClientInfo& c,
            const ClientInfo* orig_client = nullptr, std::string_view orig_queue_id = {});
void message_id(const log::Logger& l, std::string_view qid, std::string_view id);
void queued(const log::Logger& l, std::string_view qid, std::string_view sender, size_t size,
            size_t nrcpt);
void removed(const log::Logger& l, std::string_view qid);

// "NOQUEUE: reject: RCPT from c[a]: 554 5.7.1 …; from=<s> to=<r> proto=ESMTP helo=<h>"
void reject(const log::Logger& l, std::string_view qid, std::string_view command,
            const ClientInfo& c, std::string_view reply, std::string_view sender,
            std::string_view rcpt);
// The same line for another action: "milter-reject", "milter-discard", "milter-hold".
void event(const log::Logger& l, std::string_view qid, std::string_view what, std::string_view command,
           const ClientInfo& c, std::string_view text, std::string_view sender, std::string_view rcpt);

struct Delivery {
  std::string to, orig_to, relay, dsn, status, text;
  double delay = 0;
  double delays[4] = {0, 0, 0, 0};
};
void delivery(const log::Logger& l, std::string_view qid, const Delivery& d);

// Per-command counters for the disconnect line, in Postfix's order.
struct CommandCounts {
  struct Count { int ok = 0, total = 0; };
  std::map<std::string, Count> by_verb;
  void add(std::string_view verb, bool ok);
};
void disconnect(const log::Logger& l, const ClientInfo& c, const CommandCounts& counts);
std::string format_counts(const CommandCounts& counts);

// Postfix's compact number format for delay= and delays=.
std::string format_delay(double seconds);

}  // namespace tern::maillog
