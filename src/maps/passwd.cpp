// unix:passwd.byname and the local user database; see passwd.hpp.
#include "maps/passwd.hpp"

#include <pwd.h>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "maps/tables.hpp"

namespace tern::maps {

Result<std::vector<LocalUser>> parse_passwd(std::string_view text, const std::string& file) {
  std::vector<LocalUser> out;
  int lineno = 0;
  std::string base = dir_name(file);
  for (size_t i = 0; i < text.size();) {
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view l = trim(text.substr(i, nl - i));
    i = nl + 1;
    ++lineno;
    if (l.empty() || l.front() == '#') continue;
    std::vector<std::string_view> f;
    size_t start = 0;
    for (size_t j = 0; j <= l.size(); ++j)
      if (j == l.size() || l[j] == ':') {
        f.push_back(l.substr(start, j - start));
        start = j + 1;
      }
    std::string where = file + ":" + std::to_string(lineno) + ": ";
    if (f.size() != 7) return Error{where + "expected 7 colon-separated passwd(5) fields"};
    auto uid = parse_int(f[2]), gid = parse_int(f[3]);
    if (f[0].empty() || !uid || !gid || *uid < 0 || *gid < 0)
      return Error{where + "bad user name, uid or gid"};
    if (f[5].empty()) return Error{where + "empty home directory"};
    out.push_back({std::string(f[0]), long(*uid), long(*gid), resolve_path(base, f[5]), std::string(f[6])});
  }
  return out;
}

Result<UserDb> UserDb::open(const std::string& file, bool snapshot) {
  UserDb db;
  db.file_ = file;
  if (file.empty() && snapshot) {
    db.file_ = "(system passwd snapshot)";
    ::setpwent();
    while (passwd* pw = ::getpwent())
      db.users_.push_back({pw->pw_name, long(pw->pw_uid), long(pw->pw_gid), pw->pw_dir, pw->pw_shell});
    ::endpwent();
    return db;
  }
  if (file.empty()) return db;
  auto text = read_file(file);
  if (!text) return text.error();
  auto users = parse_passwd(*text, file);
  if (!users) return users.error();
  db.users_ = std::move(*users);
  return db;
}

std::optional<LocalUser> UserDb::find(const std::string& name) const {
  if (!file_.empty()) {
    for (const auto& u : users_)
      if (u.name == name) return u;
    return std::nullopt;
  }
  passwd pw{}, *res = nullptr;
  char buf[4096];
  if (::getpwnam_r(name.c_str(), &pw, buf, sizeof buf, &res) != 0 || !res) return std::nullopt;
  return LocalUser{pw.pw_name, long(pw.pw_uid), long(pw.pw_gid), pw.pw_dir, pw.pw_shell};
}

namespace {
class PasswdMap : public Lookup {
 public:
  PasswdMap(std::string spec, UserDb db) : Lookup(std::move(spec)), db_(std::move(db)) {}
  Result<Found> find(std::string_view key) const override {
    auto u = db_.find(std::string(key));
    if (!u) return Found();
    return Found(u->name + ":x:" + std::to_string(u->uid) + ":" + std::to_string(u->gid) + "::" +
                 u->home + ":");
  }

 private:
  UserDb db_;
};
}  // namespace

Result<std::unique_ptr<Lookup>> open_passwd(std::string_view spec, const std::string& file,
                                            bool snapshot) {
  auto db = UserDb::open(file, snapshot);
  if (!db) return Error{"table \"" + std::string(spec) + "\": " + db.error().message};
  return std::unique_ptr<Lookup>(new PasswdMap(std::string(spec), std::move(*db)));
}

}  // namespace tern::maps
