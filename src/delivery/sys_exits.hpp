// What a delivery command's end means, in the words Postfix's sys_exits.c uses: the
// <sysexits.h> table (exit status → enhanced status code and text; a 4.x.x code defers,
// 5.x.x bounces), and the enhanced status code a command may print at the start of its
// output ("4.2.2 mailbox full"), which wins over its exit status. Shared by local(8)
// commands (command.hpp) and pipe(8) (pipe_status.hpp).
#pragma once
#include <cstddef>
#include <string_view>

namespace tern::delivery {

struct SysExit {
  int code;
  const char* dsn;
  const char* text;
};

// nullptr when `code` is not a sysexits code (64..78).
const SysExit* sys_exit(int code);

// The length of the "4.2.2" or "5.1.1" that starts `output`, followed by whitespace or the
// end; 0 when it does not start with one.
size_t leading_status_length(std::string_view output);

}  // namespace tern::delivery
