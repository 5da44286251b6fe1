// Command status to delivery outcome; see pipe_status.hpp.
#include "delivery/pipe_status.hpp"
#include "delivery/sys_exits.hpp"

#include <cctype>
#include <cstring>

#include "base/strings.hpp"

namespace tern::delivery::pipe {

namespace {

Verdict make(DeliveryResult::Kind k, std::string dsn, std::string text) {
  return {k, std::move(dsn), std::move(text)};
}

DeliveryResult::Kind kind_of(std::string_view dsn) {
  return dsn[0] == '4' ? DeliveryResult::deferred : DeliveryResult::bounced;
}

}  // namespace

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
  if (size_t n = leading_status_length(out)) {
    std::string dsn = out.substr(0, n);
    std::string text(trim(std::string_view(out).substr(n)));
    return make(kind_of(dsn), dsn, text.empty() ? dsn : text);
  }
  if (const SysExit* e = sys_exit(r.status)) return make(kind_of(e->dsn), e->dsn, e->text + with_output);
  return make(DeliveryResult::bounced, "5.3.0",
              "Command died with status " + std::to_string(r.status) + ": " + cmd + with_output);
}

}  // namespace tern::delivery::pipe
