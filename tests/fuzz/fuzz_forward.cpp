// The local(8) target parsers: .forward / :include: files and alias values
// (delivery/forward.hpp), and the Delivered-To: loop scan (delivery/delivered.hpp).
// Checks: no crash; every target of a successful parse is non-empty where its kind needs
// a value, :include: paths are absolute, and the limits hold.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "delivery/delivered.hpp"
#include "delivery/forward.hpp"

using namespace tern::delivery;

static void check(const ParsedTargets& p, const TargetLimits& lim) {
  if (p.error != TargetError::none) {
    if (p.message().empty()) __builtin_trap();
    return;
  }
  if (p.targets.size() > lim.max_targets) __builtin_trap();
  for (const auto& t : p.targets) {
    if (t.value.size() > lim.max_item) __builtin_trap();
    if (t.kind == TargetKind::include && (t.value.empty() || t.value.front() != '/')) __builtin_trap();
    if (t.kind == TargetKind::file && (t.value.empty() || t.value.front() != '/')) __builtin_trap();
    if (t.backslash && t.kind != TargetKind::address) __builtin_trap();
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  TargetLimits lim;
  lim.max_targets = 50;
  lim.max_item = 200;
  check(parse_target_file(in, lim), lim);
  check(parse_target_list(in, lim), lim);
  (void)classify_target(in);
  (void)delivered_to_seen(in, "alice@example.test");
  return 0;
}
