// A record of the steps routing took, for `tern route`: every rewrite, which table and key
// matched, the class and the transport. Routing code takes a Trace* that is null on the
// hot path, so tracing costs nothing when nobody asks.
#pragma once
#include <string>
#include <vector>

#include <fmt/format.h>

namespace tern::route {

struct Trace {
  std::vector<std::string> steps;

  template <class... A>
  void note(fmt::format_string<A...> f, A&&... a) {
    steps.push_back(fmt::format(f, std::forward<A>(a)...));
  }
};

// note() on a Trace that may be null.
template <class... A>
void trace(Trace* t, fmt::format_string<A...> f, A&&... a) {
  if (t) t->note(f, std::forward<A>(a)...);
}

}  // namespace tern::route
