// The restriction words that ask the DNS, awaited on the session's event loop:
// reject_rbl_client, reject_rhsbl_client / _reverse_client / _helo / _sender / _recipient,
// permit_dnswl_client and permit_rhswl_client (Postfix's semantics and replies). Answers
// are kept for the session in a DnsCache, so a client is looked up once per list per
// session, not once per RCPT.
#pragma once
#include <asio/awaitable.hpp>

#include <map>
#include <string>
#include <utility>

#include "dns/resolver.hpp"
#include "policy/dnsbl.hpp"
#include "policy/restrictions.hpp"

namespace tern::policy {

// One session's DNS answers by (name, type). Bounded: past kMaxEntries it starts over.
class DnsCache {
 public:
  static constexpr size_t kMaxEntries = 512;
  asio::awaitable<dns::Answer> lookup(dns::Resolver& r, std::string name, dns::Type type);
  size_t size() const { return answers_.size(); }

 private:
  std::map<std::pair<std::string, dns::Type>, dns::Answer> answers_;
};

// Whether a word asks the DNS (it then needs Facts::dns, and DNS lookups allowed).
bool is_dns_list_word(Word w);

// Evaluates one DNS list word for `list`. `subj` is the stage's reply subject (for the
// replies that are not the list's template: a table that failed).
asio::awaitable<Decision> dns_list_word(Word w, const ListDomain& list, const Facts& f, Evaluation& ev,
                                        const std::string& subj);

}  // namespace tern::policy
