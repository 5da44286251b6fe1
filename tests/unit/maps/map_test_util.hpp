// Helpers shared by the lookup-table tests: open a table expecting success or failure,
// and look a key up expecting no error.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "maps/lookup.hpp"

namespace tern::maps::test {

inline std::unique_ptr<Lookup> expect_table(Result<std::unique_ptr<Lookup>> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : nullptr;
}

inline std::string expect_error(const Result<std::unique_ptr<Lookup>>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? "<opened>" : r.error().message;
}

inline Found lookup(const Lookup* l, std::string_view key) {
  if (!l) return Found("<no table>");
  auto r = l->find(key);
  EXPECT_TRUE(r.ok()) << key << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Found("<error>");
}

}  // namespace tern::maps::test
