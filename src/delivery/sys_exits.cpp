// The sysexits table and leading status codes; see sys_exits.hpp.
#include "delivery/sys_exits.hpp"

#include <cctype>

namespace tern::delivery {

namespace {
constexpr SysExit kSysExits[] = {
    {64, "5.3.0", "command line usage error"}, {65, "5.6.0", "data format error"},
    {66, "5.3.0", "cannot open input"},        {67, "5.1.1", "user unknown"},
    {68, "5.1.2", "host name unknown"},        {69, "5.3.0", "service unavailable"},
    {70, "5.3.0", "internal software error"},  {71, "4.3.0", "system resource problem"},
    {72, "5.3.0", "critical OS file missing"}, {73, "5.2.0", "can't create user output file"},
    {74, "5.3.0", "input/output error"},       {75, "4.3.0", "temporary failure"},
    {76, "5.5.0", "remote error in protocol"}, {77, "5.7.0", "permission denied"},
    {78, "5.3.5", "local configuration error"},
};
}  // namespace

const SysExit* sys_exit(int code) {
  for (const auto& e : kSysExits)
    if (e.code == code) return &e;
  return nullptr;
}

size_t leading_status_length(std::string_view s) {
  if (s.size() < 5 || (s[0] != '4' && s[0] != '5') || s[1] != '.') return 0;
  size_t i = 2;
  for (int part = 0; part < 2; ++part) {  // 1-3 digits, '.', 1-3 digits
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 3) ++i;
    if (i == start) return 0;
    if (part == 0) {
      if (i >= s.size() || s[i] != '.') return 0;
      ++i;
    }
  }
  return i == s.size() || std::isspace(static_cast<unsigned char>(s[i])) ? i : 0;
}

}  // namespace tern::delivery
