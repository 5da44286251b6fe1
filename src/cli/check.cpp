// `tern check WHAT …`: the email-authentication checks run by hand, one file per check
// (check dkim: dkim.cpp). Each prints its result and exits 0 only on pass.
#include <cstdio>
#include <string_view>

#include "cli/commands.hpp"

namespace tern::cli {

namespace {

struct Check {
  std::string_view name;
  int (*main)(int, char**);
  std::string_view usage;
};

constexpr Check kChecks[] = {
    {"dkim", check_dkim_main, "dkim [-c DIR] [--dns-file FILE] [--time SECONDS] < message"},
};

int usage() {
  std::fprintf(stderr, "usage:\n");
  for (const auto& c : kChecks) std::fprintf(stderr, "  tern check %s\n", c.usage.data());
  return 64;
}

}  // namespace

int check_main(int argc, char** argv) {
  if (argc < 2) return usage();
  for (const auto& c : kChecks)
    if (c.name == argv[1]) return c.main(argc - 1, argv + 1);
  std::fprintf(stderr, "tern check: unknown check \"%s\"\n", argv[1]);
  return usage();
}

}  // namespace tern::cli
