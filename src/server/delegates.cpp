// smtpd's delegate registry; see delegates.hpp. A word whose kind is missing here is a
// configuration error ("<param>: <word> is not available in this build"), never a pass.
#include "server/delegates.hpp"

#include <algorithm>

#include "base/strings.hpp"
#include "dns/unbound_resolver.hpp"
#include "policy/greylist.hpp"
#include "policy/policy_service.hpp"
#include "policy/reputation.hpp"
#include "policy/spamtrap.hpp"
#include "policy/unverified.hpp"
#include "server/queue_client.hpp"

namespace tern::server {

namespace {

constexpr std::string_view kWords[] = {"check_policy_service", "check_greylist",           "check_reputation",
                                       "check_spamtrap",       "reject_unverified_recipient", "reject_unverified_sender"};

// What tells two services' delegates apart besides the word and its argument: the -o
// overrides, less the restriction lists and classes (which name words, not settings).
std::string settings_key(std::string_view word, std::string_view arg, const config::Service& service) {
  const auto& classes = service.params.smtpd_restriction_classes;
  std::vector<std::string> kept;
  for (const auto& [name, value] : service.entry.overrides) {
    if (name.ends_with("_restrictions") || name == "smtpd_restriction_classes" ||
        std::find(classes.begin(), classes.end(), name) != classes.end())
      continue;
    kept.push_back(name + "=" + value);
  }
  std::sort(kept.begin(), kept.end());
  std::string key = std::string(word) + '\n' + std::string(arg);
  for (const auto& o : kept) key += '\n' + o;
  return key;
}

}  // namespace

policy::DelegateRegistry SmtpdDelegates::registry(const config::Service& service) {
  policy::DelegateRegistry r;
  for (auto word : kWords)
    r.add(std::string(word), [this, &service](std::string_view w, std::string_view arg) {
      return make(w, arg, service);
    });
  return r;
}

Result<std::shared_ptr<policy::Delegate>> SmtpdDelegates::make(std::string_view word, std::string_view arg,
                                                               const config::Service& service) {
  std::string key = settings_key(word, arg, service);
  if (auto it = made_.find(key); it != made_.end()) return it->second;
  auto d = build(word, arg, service.params);
  if (!d) return d.error();
  made_.emplace(std::move(key), *d);
  return *d;
}

Result<std::shared_ptr<policy::Delegate>> SmtpdDelegates::build(std::string_view word, std::string_view arg,
                                                                const config::Params& p) {
  using DelegatePtr = std::shared_ptr<policy::Delegate>;
  const bool check_only = io_ == nullptr;
  if (word == "check_policy_service") {
    // The checks make the client on an event loop that never runs: its spec and
    // settings are checked, nothing connects.
    static asio::io_context never_run(1);
    return policy::make_policy_service(arg, p, check_only ? never_run : *io_);
  }
  if (word == "check_greylist") {
    // The database is opened by the role that uses it (after fork, as mail_owner's
    // directory allows, before any chroot), never by the master's checks.
    if (check_only) {
      if (auto s = policy::greylist_settings(p); !s) return s.error();
      return DelegatePtr();
    }
    return policy::make_greylist(p);
  }
  if (word == "check_reputation") {
    auto dns = dns::make_resolver(p, io_);
    if (!dns) return Error{"needs the DNS: " + dns.error().message};
    auto d = policy::make_reputation(p, std::move(*dns));
    if (!d || !check_only) return d;
    return DelegatePtr();
  }
  if (word == "check_spamtrap") {
    if (check_only) {
      // The trap tables and actions are checked; the blocklist database is left for the
      // role to open (a file the master made would be root's).
      config::Params unblocked = p;
      unblocked.spamtrap_block_time = config::Time{0};
      if (p.spamtrap_block_time.count() > 0 && trim(p.spamtrap_blocklist_database).empty())
        return Error{"spamtrap_blocklist_database is empty: name the blocklist (lmdb:PATH)"};
      auto d = policy::make_spamtrap(unblocked);
      if (!d) return d.error();
      return DelegatePtr();
    }
    return policy::make_spamtrap(p);
  }
  if (word == "reject_unverified_recipient" || word == "reject_unverified_sender") {
    bool sender = word == "reject_unverified_sender";
    auto s = policy::UnverifiedSettings::from(p, sender);
    if (!s) return s.error();
    if (check_only) return DelegatePtr();
    if (!queue_) return Error{std::string(word) + ": no queue link to ask the verification service over"};
    policy::VerifyQuery q = [queue = queue_](std::string address) { return queue->verify(std::move(address)); };
    return DelegatePtr(policy::make_address_verifier(std::move(*s), *io_, std::move(q)));
  }
  return Error{std::string(word) + " is not available in this build"};
}

}  // namespace tern::server
