// access(5) answers (from tables and policy delegates) through parse_access_answer().
// Invariants: no crash; an accepted answer keeps the promises the evaluator relies on
// (reply codes 4NN/5NN matching their kind and status class, one address for BCC and
// REDIRECT, transport:destination for FILTER, a "name:" header for PREPEND).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "policy/access.hpp"

using namespace tern::policy;

namespace {
void must(bool ok) {
  if (!ok) __builtin_trap();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto a = parse_access_answer(in);
  if (!a) {
    must(!a.error().message.empty());
    return 0;
  }
  if (a->code) {
    must(a->code >= 400 && a->code <= 599);
    must((a->code >= 500) == (a->kind == AccessKind::reject));
  }
  if (!a->status.empty()) {
    must(a->status[0] == '2' || a->status[0] == '4' || a->status[0] == '5');
    if (a->code) must(a->status[0] == char('0' + a->code / 100));
  }
  switch (a->kind) {
    case AccessKind::bcc:
    case AccessKind::redirect:
      must(a->text.find('@') != std::string::npos && a->text.find(' ') == std::string::npos);
      break;
    case AccessKind::filter: must(a->text.find(':') != std::string::npos && a->text[0] != ':'); break;
    case AccessKind::prepend: must(a->text.find(':') != std::string::npos && a->text[0] != ':'); break;
    case AccessKind::restrictions: must(!a->text.empty()); break;
    default: break;
  }
  return 0;
}
