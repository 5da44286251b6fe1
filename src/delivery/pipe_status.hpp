// What a command's end means for the mail, as pipe(8) decides it: exit 0 delivered; an
// exit status from <sysexits.h> bounces or defers by its table entry (EX_TEMPFAIL 75 and
// EX_OSERR 71 defer, the others bounce); output that starts with an enhanced status code
// ("4.2.2 mailbox full") overrides the exit status; a signal defers; the time limit and
// an exit status outside sysexits bounce. The command's first output, made printable,
// goes into the reason ("temporary failure. Command output: …").
#pragma once
#include <string>
#include <string_view>

#include "delivery/pipe_run.hpp"
#include "delivery/result.hpp"

namespace tern::delivery::pipe {

struct Verdict {
  DeliveryResult::Kind kind = DeliveryResult::deferred;
  std::string dsn;
  std::string text;
};

// `command` is argv[0] as configured; `service` the master.cf service name.
Verdict classify(const RunResult& r, std::string_view command, std::string_view service);

}  // namespace tern::delivery::pipe
