// The DNS list words' pure parts (reject_rbl_client, reject_rhsbl_*, permit_dnswl_client,
// permit_rhswl_client): the list as the word names it, "zen.example=127.0.0.[2..11;20]"
// (Postfix's reply filter: each octet a number or a bracketed ';' list of numbers and
// n..m ranges), the name asked of the list for an address (reversed octets, or the
// nibbles of an IPv6 address) or a domain, and the reply built from default_rbl_reply or
// an rbl_reply_maps template. No I/O: dns_words.hpp does the lookups.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/net.hpp"
#include "base/result.hpp"
#include "smtp/reply.hpp"

namespace tern::policy {

// What the A records of a listing must be: per octet, inclusive ranges.
struct ReplyFilter {
  std::array<std::vector<std::pair<uint8_t, uint8_t>>, 4> octets;
  bool matches(const IpAddress& a) const;  // an IPv4 answer the filter accepts
};

struct ListDomain {
  std::string domain;                 // "zen.example", lower case, no trailing dot
  std::optional<ReplyFilter> filter;  // none: any A record means listed
};

// "domain" or "domain=filter"; a malformed domain or filter is an Error saying why.
Result<ListDomain> parse_list_domain(std::string_view text);
Result<ReplyFilter> parse_reply_filter(std::string_view text);

// "2.0.0.127.zen.example", or the 32 nibbles for IPv6.
std::string address_query(const IpAddress& a, std::string_view list);
// "example.org.dbl.example" for an RHSBL; nullopt when the name cannot be a domain there
// (empty, an address literal, or too long for the DNS).
std::optional<std::string> domain_query(std::string_view name, std::string_view list);

// What $name in a reply template stands for.
struct RblFacts {
  int code = 554;           // maps_rbl_reject_code
  std::string rbl_class;    // "Client host", "Helo command", "Sender address", …
  std::string what;         // the address or name that is listed
  std::string domain;       // the list, as the word names it without the filter
  std::string reason;       // the list's TXT record; "" when none or not asked
  std::string client_address, client_name, reverse_client_name, helo_name, sender, recipient;
};

// Whether a template needs $rbl_reason / $rbl_txt (only then is the TXT record asked for).
bool template_needs_reason(std::string_view tmpl);

// The template expanded (values are not expanded again: a '$' in a TXT record stays a
// '$') and read as "code [x.y.z] text": a code other than 4xx/5xx, or no code, is an
// Error. Without an enhanced status in the text the reply carries 5.7.1 / 4.7.1.
Result<smtp::Reply> rbl_reply(std::string_view tmpl, const RblFacts& facts);

// The class names Postfix puts into $rbl_class.
inline constexpr std::string_view kClientClass = "Client host";
inline constexpr std::string_view kReverseClientClass = "Unverified Client host";
inline constexpr std::string_view kHeloClass = "Helo command";
inline constexpr std::string_view kSenderClass = "Sender address";
inline constexpr std::string_view kRecipientClass = "Recipient address";

}  // namespace tern::policy
