// The addresses in address-list header values, and rewriting only them.
#include "route/header_addresses.hpp"

#include <gtest/gtest.h>

namespace tern::route {
namespace {

std::vector<std::string> addresses(std::string_view v) {
  std::vector<std::string> out;
  for (const auto& s : find_addresses(v)) out.emplace_back(v.substr(s.begin, s.end - s.begin));
  return out;
}

using V = std::vector<std::string>;

struct Case {
  const char* value;
  V want;
};

TEST(HeaderAddresses, FindsOnlyTheAddresses) {
  const Case cases[] = {
      {"john@example.com", {"john@example.com"}},
      {"John Smith <john@example.com>", {"john@example.com"}},
      {"\"Smith, John\" <john@example.com>, jane@example.org (Jane)", {"john@example.com", "jane@example.org"}},
      {"(comment <not@this>) real@example.com", {"real@example.com"}},
      {"undisclosed-recipients:;", {}},
      {"team: a@x, \"b c\" <b@y>; d@z", {"a@x", "b@y", "d@z"}},
      {"user@[IPv6:::1]", {"user@[IPv6:::1]"}},
      {"<@a,@b:u@c>", {"@a,@b:u@c"}},
      {"alice\n\t, bob", {"alice", "bob"}},
      {"John Smith", {}},  // two words without brackets: a name, not an address
      {"\"quoted local\"@example.com", {"\"quoted local\"@example.com"}},
      {"<>", {}},
      {"", {}},
      {"broken <x@y", {}},  // unterminated angle: left alone
  };
  for (const auto& c : cases) EXPECT_EQ(addresses(c.value), c.want) << c.value;
}

TEST(HeaderAddresses, RewriteKeepsEveryOtherByte) {
  auto up = [](std::string_view a) { return "[" + std::string(a) + "]"; };
  EXPECT_EQ(rewrite_address_list("\"Smith, John\" <john@example.com>,\n\tjane (Jane)", up),
            "\"Smith, John\" <[john@example.com]>,\n\t[jane] (Jane)");
  EXPECT_EQ(rewrite_address_list("undisclosed-recipients:;", up), "undisclosed-recipients:;");
  EXPECT_EQ(rewrite_address_list("\"unterminated <x@y>", up), "\"unterminated <x@y>");
  std::string same = "Team: a@x (A), <b@y>;";
  EXPECT_EQ(rewrite_address_list(same, [](std::string_view a) { return std::string(a); }), same);
}

}  // namespace
}  // namespace tern::route
