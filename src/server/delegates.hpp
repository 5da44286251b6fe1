// The policy delegates smtpd's restriction words name, for the restriction compiler
// (policy::DelegateRegistry):
//   check_policy_service SPEC     the policy service client (policy/policy_service.hpp)
//   check_greylist                built-in greylisting (policy/greylist.hpp)
//   check_reputation              policyd-weight style scoring (policy/reputation.hpp)
//   check_spamtrap                spam traps (policy/spamtrap.hpp)
//   reject_unverified_recipient / reject_unverified_sender
//                                 the queue role's address verification (policy/unverified.hpp)
//
// One SmtpdDelegates per smtpd role process: every service and session of the role that
// names a word with the same settings shares one Delegate (one greylist thread and
// database, one reputation cache, one policy connection pool). Settings count as the same
// when the word, its argument and the service's master.cf -o overrides (other than the
// restriction lists and classes) are the same.
//
// Made with `io` null, it serves the configuration checks (ternd -n, startup, the master
// before a reload): each word's settings are checked (a bad spec, an empty spamtrap_maps,
// check_reputation with disable_dns_lookups = yes are errors), but nothing is opened that
// the role must own (no database file is created by the master) and nothing connects.
#pragma once
#include <asio/io_context.hpp>

#include <map>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "policy/restrictions.hpp"

namespace tern::server {

class QueueClient;

class SmtpdDelegates {
 public:
  // `io`: the smtpd role's event loop; `queue`: the link reject_unverified_* ask the
  // verification service over. Both null for a configuration check.
  explicit SmtpdDelegates(asio::io_context* io = nullptr, QueueClient* queue = nullptr) : io_(io), queue_(queue) {}
  SmtpdDelegates(const SmtpdDelegates&) = delete;
  SmtpdDelegates& operator=(const SmtpdDelegates&) = delete;

  // The registry for one service's restriction lists; it refers to this object and to
  // `service`, which must outlive its use (make_context).
  policy::DelegateRegistry registry(const config::Service& service);

 private:
  Result<std::shared_ptr<policy::Delegate>> make(std::string_view word, std::string_view arg,
                                                 const config::Service& service);
  Result<std::shared_ptr<policy::Delegate>> build(std::string_view word, std::string_view arg,
                                                  const config::Params& p);

  asio::io_context* io_;
  QueueClient* queue_;
  std::map<std::string, std::shared_ptr<policy::Delegate>, std::less<>> made_;  // by word, argument and overrides
};

}  // namespace tern::server
