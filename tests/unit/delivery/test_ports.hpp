// Which loopback ports the in-process test servers pick from: their own default range, or
// the range in $TERN_TEST_PORTS ("FIRST-LAST"), so that a run can keep to the ports it
// was given on a shared machine.
#pragma once
#include <cstdlib>
#include <random>
#include <string>

namespace tern::delivery::smtp::testing {

// A random port in $TERN_TEST_PORTS if set and well formed, else in [first, first + count).
inline int pick_test_port(std::mt19937& rng, int first, int count) {
  if (const char* env = std::getenv("TERN_TEST_PORTS")) {
    std::string r(env);
    size_t dash = r.find('-');
    int lo = std::atoi(r.substr(0, dash).c_str());
    int hi = dash == std::string::npos ? 0 : std::atoi(r.substr(dash + 1).c_str());
    if (lo > 0 && hi >= lo && hi < 65536) {
      first = lo;
      count = hi - lo + 1;
    }
  }
  return first + int(rng() % unsigned(count));
}

}  // namespace tern::delivery::smtp::testing
