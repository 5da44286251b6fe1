// The password-file back end; see passwd_backend.hpp.
#include "sasl/passwd_backend.hpp"

#include <asio/co_spawn.hpp>
#include <asio/use_awaitable.hpp>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tern::sasl {

namespace {

// What an unknown user's password is hashed against (SHA-512 crypt of "x", default
// rounds), so a guess at a missing user takes as long as one at a real user.
constexpr const char* kDummyHash =
    "$6$terndummysalt$Vv4ahZ9ZqzCB3XaxbkMiu8OLSa0STEzW7Jnhx3yFqcMNl.wxrR2GzcY9rFuVa2Sdn6sPk8bHd1xGoAPvfRxO//";

constexpr std::string_view kFailed = "authentication failure";

}  // namespace

PasswdBackend::PasswdBackend(std::string path, size_t threads)
    : path_(std::move(path)), pool_(threads == 0 ? 1 : threads) {}

PasswdBackend::~PasswdBackend() { pool_.join(); }

Status PasswdBackend::load() {
  std::lock_guard lock(mu_);
  return reload_if_changed();
}

Status PasswdBackend::reload_if_changed() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0)
    return Error{"smtpd_sasl_path: cannot access password file " + path_ + ": " + std::strerror(errno)};
  if (size_ == st.st_size && inode_ == st.st_ino && mtime_.tv_sec == st.st_mtim.tv_sec &&
      mtime_.tv_nsec == st.st_mtim.tv_nsec)
    return ok_status();
  std::ifstream in(path_, std::ios::binary);
  if (!in) return Error{"smtpd_sasl_path: cannot read password file " + path_ + ": " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  table_ = parse_passwd(text.str(), path_);
  for (const auto& w : table_.warnings) log_.warning("{}", w);
  mtime_ = st.st_mtim;
  size_ = st.st_size;
  inode_ = st.st_ino;
  return ok_status();
}

size_t PasswdBackend::bad_lines() const {
  std::lock_guard lock(mu_);
  return table_.bad_lines;
}

size_t PasswdBackend::users() const {
  std::lock_guard lock(mu_);
  return table_.users.size();
}

AuthResult PasswdBackend::check(const Credentials& c) {
  std::string hash;
  bool known = false;
  {
    std::lock_guard lock(mu_);
    // An unreadable file keeps the last table: a password file being replaced must not
    // lock everyone out.
    if (auto s = reload_if_changed(); !s) log_.warning("{} (using the last good copy)", s.error().message);
    auto it = table_.users.find(c.authcid);
    known = it != table_.users.end();
    hash = known ? it->second : kDummyHash;
  }
  bool match = crypt_verify(c.password, hash);
  if (known && match) return AuthResult::success(c.authcid);
  return AuthResult::failure(std::string(kFailed), printable(c.authcid));
}

asio::awaitable<AuthResult> PasswdBackend::check_on_pool(Credentials c) { co_return check(c); }

asio::awaitable<AuthResult> PasswdBackend::verify(std::string_view mech, const Credentials& c,
                                                  Peer peer) {
  (void)mech;
  (void)peer;
  if (!c.authzid.empty() && c.authzid != c.authcid)
    co_return AuthResult::failure("authorization identity not permitted", printable(c.authcid));
  // The pool works on its own copy (a coroutine parameter, not a lambda capture: GCC 12
  // mishandles capturing coroutine lambdas).
  AuthResult r = co_await asio::co_spawn(pool_, check_on_pool(c), asio::use_awaitable);
  co_return r;
}

}  // namespace tern::sasl
