// Command status to delivery outcome; see pipe_status.hpp.
#include "delivery/pipe_status.hpp"

#include <cctype>
#include <cstring>

#include "base/strings.hpp"

namespace tern::delivery::pipe {

namespace {

constexpr SysExit kSysExits[] = {
    {64, "5.3.0", "command line usage error"},   {65, "5.6.0", "data format error"},
    {66, "5.3.0", "cannot open input"},          {67, "5.1.1", "user unknown"},
    {68, "5.1.2", "host name unknown"},          {69, "5.3.0", "service unavailable"},
    {70, "5.3.0", "internal software error"},    {71, "4.3.0", "system resource problem"},
    {72, "5.3.0", "critical OS file missing"},   {73, "5.2.0", "can't create user output file"},
    {74, "5.3.0", "input/output error"},         {75, "4.3.0", "temporary failure"},
    {76, "5.5.0", "remote error in protocol"},   {77, "5.7.0", "permission denied"},
    {78, "5.3.5", "local configuration error"},
};

// "4.2.2 text" or "5.1.1" at the start of the output: the code's length, else 0.
size_t leading_status(std::string_view s) {
  if (s.size() < 5 || (s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
  size_t i = 2;
  for (int part = 0; part < 2; ++part) {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 3) ++i;
    if (i == start) return 0;
    if (part == 0) {
      if (i >= s.size() || s[i] != '.') return 0;
      ++i;
    }
  }
  return i == s.size() || s[i] == ' ' ? i : 0;
}

Verdict make(DeliveryResult::Kind k, std::string dsn, std::string text) {
  return {k, std::move(dsn), std::move(text)};
}

DeliveryResult::Kind kind_of(std::string_view dsn) {
  return dsn[0] == '4' ? DeliveryResult::deferred : DeliveryResult::bounced;
}

}  // namespace

const SysExit* sys_exit(int code) {
  for (const auto& e : kSysExits)
    if (e.code == code) return &e;
  return nullptr;
}

Verdict classify(const RunResult& r, std::string_view command, std::string_view service) {
  std::string out = output_for_reason(r.output);
  std::string with_output = out.empty() ? "" : ". Command output: " + out;
  std::string cmd = "\"" + printable(command, 200) + "\"";
  switch (r.how) {
    case RunResult::not_started:
      return make(DeliveryResult::deferred, "4.3.0", "Delivery failed: " + r.error);
    case RunResult::timed_out:
      return make(DeliveryResult::bounced, "5.3.0", "Command time limit exceeded: " + cmd + with_output);
    case RunResult::signaled:
      return make(DeliveryResult::deferred, "4.3.0",
                  "Command died with signal " + std::to_string(r.status) + ": " + cmd + with_output);
    case RunResult::exited: break;
  }
  if (r.status == 0) {
    if (r.write_errno != 0)
      return make(DeliveryResult::bounced, "5.3.0",
                  std::string("Command failed: error writing message: ") + ::strerrordesc_np(r.write_errno) +
                      ": " + cmd);
    std::string text = "delivered via " + std::string(service) + " service";
    if (!out.empty()) text += " (" + out + ")";
    return make(DeliveryResult::sent, "2.0.0", text);
  }
  if (size_t n = leading_status(out)) {
    std::string dsn = out.substr(0, n);
    std::string text(trim(std::string_view(out).substr(n)));
    return make(kind_of(dsn), dsn, text.empty() ? dsn : text);
  }
  if (const SysExit* e = sys_exit(r.status)) return make(kind_of(e->dsn), e->dsn, e->text + with_output);
  return make(DeliveryResult::bounced, "5.3.0",
              "Command died with status " + std::to_string(r.status) + ": " + cmd + with_output);
}

}  // namespace tern::delivery::pipe
