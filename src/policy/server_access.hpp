// check_{client,reverse_client,helo,sender,recipient}_{mx,ns,a}_access: an access(5)
// table searched for the DNS servers of a domain, as Postfix does. For _mx_ the domain's
// MX hosts (a domain without MX is its own host; a null MX has none), for _ns_ its name
// servers (a name without NS records: those of the nearest parent that has some), each
// host by its name (and parent domains) and then by each of its addresses; for _a_ the
// domain's own IPv4 and IPv6 addresses. Lookups go through the session's DnsCache.
#pragma once
#include <asio/awaitable.hpp>

#include <string>
#include <vector>

#include "policy/restrictions.hpp"

namespace tern::policy {

bool is_server_access_word(Word w);
// Whose rejection a word's answer is: Stage::client for the client words, … (the subject
// of the reply: "<x@y>: Sender address rejected: …" for check_sender_mx_access).
Stage server_access_stage(Word w);

// The key groups the word's table is searched with, in Postfix's order: each group is
// one host name or one address (its keys most specific first); the first key found in a
// group decides for that group, and a DUNNO (or OK, which these words do not allow)
// goes on to the next group. Empty when the word has nothing to look at (an unknown
// client name, the null sender, an address literal). A DNS failure is a warning in
// `ev.warnings` and skips what it covers, as Postfix does.
asio::awaitable<std::vector<std::vector<std::string>>> server_access_keys(Word w, const Facts& f, Evaluation& ev);

}  // namespace tern::policy
