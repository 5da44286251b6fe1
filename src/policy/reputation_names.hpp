// The text heuristics of check_reputation, as policyd-weight 0.1.15 writes them: what a
// dial-up or a mail-server host name looks like, a numeric HELO, a random-looking local
// part, its reduction of domains to their "core" label for the FROM/HELO comparison, and
// the address and DNS-name forms its checks compare and ask for. Pure functions on text.
#pragma once
#include <string>
#include <string_view>

#include "base/net.hpp"

namespace tern::policy::reputation {

// Names with "mx", "smtp", "mail", "dedicated" or "stat" before two more labels.
bool server_like(const std::string& name);
// Names with ".dip", "cable", "ppp", "dial", "dsl", "dyn", "client", "rev...ip/home"
// before two more labels.
bool dialup_like(const std::string& name);
// Letters followed by four dotted/dashed numbers ("host-192-0-2-7.example").
bool address_in_name(const std::string& name);
// A HELO of digits and dots, bracketed or not ("192.0.2.7", "[192.0.2.7]").
bool numeric_helo(const std::string& helo);
// Five consonants (of bcdfgjklmnpqrtvwxz) or four vowels in a row before the '@'.
bool random_local_part(const std::string& sender);

// IPv4 dotted, IPv6 fully expanded ("2001:0db8:0000:...:0001"), as policyd-weight compares.
std::string address_text(const IpAddress& a);
// The reversed address without .in-addr.arpa / .ip6.arpa: the DNSBL query prefix.
std::string reversed(const IpAddress& a);
// Labels of 1..63 octets, at most 253 in all.
bool valid_query_name(std::string_view n);
// A name whose top label is all digits (a HELO address, "51.100.42") cannot exist: no
// top-level domain is numeric (RFC 1123 §2.1). check_reputation answers such names
// NXDOMAIN without asking (policyd-weight's Net::DNS asks in-addr.arpa questions instead).
bool cannot_exist(std::string_view n);
// policyd-weight's domain reduction: drop a country-code second level ("x.co.uk"), a
// "com.br"-like suffix or a short (2..5 letter) top-level label; `keep_last_label_only`
// (the sender) then keeps only the label left of what was dropped.
std::string strip_suffix(std::string s, bool keep_last_label_only);
std::string last_label(const std::string& s);
// Perl's s/.*?\.([^.]+).*/$1/: the label after the first dot, or the text unchanged.
std::string second_label(const std::string& s);
// Does `a` have ".x" at its end or ".x." inside (case-insensitive)?
bool has_label_text(const std::string& a, const std::string& x);

}  // namespace tern::policy::reputation
