// master.cf: one service per logical line of eight columns
//   service type private unpriv chroot wakeup maxproc command [args...]
// continuation lines start with whitespace; "-o name=value" (or "-o { name = value }")
// overrides a main.cf parameter for that service; "{ ... }" groups an argument with spaces.
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace tern::config {

struct MasterEntry {
  std::string service;   // "smtp", "submission", "127.0.0.1:2525", "private/x", …
  std::string type;      // inet, unix, unix-dgram, fifo, pass
  std::string private_;  // y, n, - (columns kept as written, "-" = default)
  std::string unpriv;
  std::string chroot;
  std::string wakeup;
  std::string maxproc;
  std::string command;   // e.g. "smtpd"
  std::vector<std::string> args;  // the arguments other than -o overrides
  std::vector<std::pair<std::string, std::string>> overrides;
  std::string file;
  int line = 0;

  // The master.cf line, normalized as `postconf -M` prints it.
  std::string format() const;
  // What follows the command: " -o name=value … args".
  std::string format_tail() const;
};

Result<std::vector<MasterEntry>> parse_master_cf(std::string_view text, const std::string& file);

}  // namespace tern::config
