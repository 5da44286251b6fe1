// The `tern` back end: the password file of passwd_file.hpp, re-read when its mtime,
// size or inode changes, hashes checked on a small thread pool of its own so a slow
// crypt(3) never blocks a session's io thread. Unknown users cost one crypt too (of a
// dummy hash), so timing does not tell which user names exist.
#pragma once
#include <asio/thread_pool.hpp>

#include <ctime>
#include <mutex>
#include <string>

#include "base/log.hpp"
#include "base/result.hpp"
#include "sasl/backend.hpp"
#include "sasl/passwd_file.hpp"

namespace tern::sasl {

class PasswdBackend final : public Backend {
 public:
  explicit PasswdBackend(std::string path, size_t threads = 2);
  ~PasswdBackend() override;

  // Reads the file; an unreadable file is an error (startup: fatal with this text).
  // Malformed lines are logged as warnings and counted, never fatal.
  Status load();

  std::vector<std::string> mechanisms() const override { return implemented_mechanisms(); }
  bool allows_proxy() const override { return false; }
  asio::awaitable<AuthResult> verify(std::string_view mech, const Credentials& c,
                                     Peer peer = {}) override;

  // Malformed lines skipped in the current file (for tests and status output).
  size_t bad_lines() const;
  size_t users() const;

 private:
  // Runs on the pool: re-reads the file when it changed, looks up, hashes.
  AuthResult check(const Credentials& c);
  asio::awaitable<AuthResult> check_on_pool(Credentials c);
  Status reload_if_changed();

  std::string path_;
  asio::thread_pool pool_;
  mutable std::mutex mu_;  // guards everything below
  PasswdTable table_;
  struct timespec mtime_ {};
  off_t size_ = -1;
  ino_t inode_ = 0;
  log::Logger log_{"smtpd"};
};

}  // namespace tern::sasl
