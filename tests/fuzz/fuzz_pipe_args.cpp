// pipe(8) attributes: the input's lines are master.cf arguments for parse_pipe_args (and
// each is also one argv= template and one eol= value). Errors are one non-empty line; a
// parsed spec has a command and expands for a two-recipient job without surprises.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "delivery/pipe_args.hpp"
#include "delivery/pipe_expand.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::delivery::pipe;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> args;
  for (size_t i = 0; i <= in.size();) {
    size_t nl = in.find('\n', i);
    if (nl == std::string_view::npos) nl = in.size();
    args.emplace_back(in.substr(i, nl - i));
    i = nl + 1;
  }
  auto bad_error = [](const std::string& m) { return m.empty() || m.find('\n') != std::string::npos; };
  for (const auto& a : args) {
    auto t = parse_arg_template(a);
    if (!t.ok() && bad_error(t.error().message)) __builtin_trap();
    auto e = unescape_eol(a);
    if (!e.ok() && bad_error(e.error().message)) __builtin_trap();
    if (e.ok() && e->size() > a.size()) __builtin_trap();
  }
  auto spec = parse_pipe_args(args);
  if (!spec.ok()) {
    if (bad_error(spec.error().message)) __builtin_trap();
    return 0;
  }
  if (spec->argv.empty() || spec->command.empty() || spec->user.empty()) __builtin_trap();
  tern::Message m;
  m.envelope.sender = "s@example.org";
  m.content = "Subject: x\n\nbody\n";
  ExpandInput x{m, "s@example.org", {"a+b@example.test", "+c@Example.TEST"}, "example.test", "+"};
  auto argv = expand_argv(*spec, x);
  size_t fixed = 0;
  for (const auto& t : spec->argv) fixed += t.per_recipient ? 0 : 1;
  if (argv.size() < fixed || argv.size() > fixed + 2 * (spec->argv.size() - fixed)) __builtin_trap();
  return 0;
}
