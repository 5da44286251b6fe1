// Local users: the system's passwd database (getpwnam), or, when local_passwd_file is
// set, a passwd(5)-format file of users that need no system account (tests, make run).
// Relative home directories in that file resolve against the file's directory.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace tern::maps {

struct LocalUser {
  std::string name;
  long uid = -1;
  long gid = -1;
  std::string home;
  std::string shell;  // login shell (SHELL for local(8) commands)
};

class UserDb {
 public:
  // `file` empty = the system database, looked up live, or copied into memory now when
  // `snapshot` (a chrooted role cannot read /etc/passwd later).
  static Result<UserDb> open(const std::string& file, bool snapshot = false);
  std::optional<LocalUser> find(const std::string& name) const;

 private:
  std::string file_;
  std::vector<LocalUser> users_;
};

Result<std::vector<LocalUser>> parse_passwd(std::string_view text, const std::string& file);

}  // namespace tern::maps
