// The Received-SPF header field (RFC 7208 §9.1) for one check: the result, a comment in
// the RFC's words, and the key-value pairs (client-ip, envelope-from, helo, receiver,
// identity, mechanism or problem). Values that are not dot-atoms are quoted strings;
// untrusted text is made printable first.
#pragma once
#include <string>

#include "spf/check.hpp"

namespace tern::spf {

// "Received-SPF: pass (mx.example.org: domain of a@example.com designates 192.0.2.1 as
//  permitted sender) client-ip=192.0.2.1; envelope-from=\"a@example.com\"; ...", folded,
// ending in "\n" (the queue's line ending).
std::string received_spf(const Query& q, const Outcome& o, std::string_view mail_from);

// The comment alone: "mx.example.org: domain of ... as permitted sender".
std::string received_spf_comment(const Query& q, const Outcome& o);

}  // namespace tern::spf
