// The addresses inside an RFC 5322 address-list header value (From:, To:, Cc:, …), for
// cleanup's header rewriting: each addr-spec in angle brackets, and each bare addr-spec
// of a mailbox written without a display name. Display names, comments, quoted strings
// and group names are never touched; rewrite_address_list() keeps every byte that is not
// an address exactly as it was. Pure, no I/O; malformed input is passed through as far
// as it cannot be understood (an unterminated quote or comment ends the scan).
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::route {

struct AddressSpan {
  size_t begin = 0, end = 0;  // [begin, end) in the header value
};

// Where the addresses are.
std::vector<AddressSpan> find_addresses(std::string_view value);

// The value with each address replaced by fn(address).
std::string rewrite_address_list(std::string_view value, const std::function<std::string(std::string_view)>& fn);

}  // namespace tern::route
