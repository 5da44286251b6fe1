// access(5) tables: the keys Postfix tries for a client, a HELO name or an address, and
// the meaning of what the table answers (OK, REJECT, DEFER, DUNNO, 4NN/5NN text, HOLD,
// DISCARD). Internal to policy/.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "policy/restrictions.hpp"

namespace tern::policy {

// Lookup keys in Postfix's order.
std::vector<std::string> address_keys(std::string_view addr, std::string_view delimiters);
std::vector<std::string> domain_keys(std::string_view domain);   // name, then parents
std::vector<std::string> client_keys(std::string_view name, std::string_view addr);

// Turns a table's answer into a Decision; `subject` is "<x>: Recipient address rejected: ".
Decision access_action(std::string_view value, const std::string& subject, const Facts& f);

}  // namespace tern::policy
