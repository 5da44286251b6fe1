// Typed parameters for a unit test from main.cf-style settings, defaults for the rest, as
// the loader builds them (paths resolve against /etc/tern); a bad value fails the test.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace tern::testing {

inline config::Params test_params(const std::vector<std::pair<std::string, std::string>>& settings) {
  config::RawParams raw;
  int line = 1;
  for (const auto& [k, v] : settings) raw[k] = config::RawValue{v, "main.cf", line++};
  auto p = config::build_params(raw, {}, "/etc/tern");
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
  return p.ok() ? *p : config::Params{};
}

}  // namespace tern::testing
