// check_greylist: greylisting built in, with postgrey's semantics (postgrey(8)); the state
// machine is greylist_state.hpp, the triplet greylist_triplet.hpp, the whitelists
// greylist_whitelist.hpp and the database greylist_store.hpp.
//
// For a request at RCPT (other stages: DUNNO) with client_address, client_name, sender,
// recipient (and instance, Postfix's message id for policy servers) the answer is
//   DUNNO                       whitelisted client or recipient, auto-whitelisted client,
//                               or a triplet that passed before
//   DEFER_IF_PERMIT 4.2.0 TEXT  greylisted: greylist_reply with %s (seconds left) and %r
//                               (recipient domain); "4.2.0 " unless the text starts with a
//                               digit, as postgrey answers Postfix (its Exchange workaround)
//   PREPEND HEADER              the first pass after the delay: greylist_header with %t
//                               (seconds delayed), %h (myhostname), %d (RFC 5322 date), once
//                               per message (instance); DUNNO when greylist_header is empty
// An error when the database cannot be read or written: the evaluator applies its default.
//
// Time comes from an injected Clock (seconds since the epoch), so tests can travel in time.
#pragma once
#include <array>
#include <functional>
#include <memory>
#include <string>

#include "base/log.hpp"
#include "base/result.hpp"
#include "config/params.hpp"
#include "policy/delegate.hpp"
#include "policy/greylist_state.hpp"
#include "policy/greylist_store.hpp"
#include "policy/greylist_whitelist.hpp"

namespace tern::policy {

using Clock = std::function<long long()>;  // seconds since the epoch
Clock system_clock();

struct GreylistSettings {
  std::string database;  // the .lmdb file
  size_t map_size = 0;   // lmdb_map_size
  GreylistTiming timing;
  int ipv4_prefix = 24, ipv6_prefix = 64;
  std::vector<std::string> client_files, recipient_files;
  std::string reply, header, hostname;
  long long cleanup_interval = 86400;  // 0: never purge but on open
};

// From the greylist_* parameters; errors name the parameter.
Result<GreylistSettings> greylist_settings(const config::Params& p);

// Removes the expired triplets and clients (is_expired) from `store`.
struct GreylistPurge {
  GreylistStore::Counts triplets, clients;
};
Result<GreylistPurge> purge_expired(GreylistStore& store, const GreylistTiming& t, long long now);

class Greylist {
 public:
  // Reads the whitelists, opens the database and purges expired entries.
  static Result<std::unique_ptr<Greylist>> open(const GreylistSettings& s, Clock clock);

  // The access(5) action for one request (see the top of this file).
  Result<std::string> check(const PolicyRequest& request);
  // Removes expired triplets and clients now (logged when there were any).
  Result<GreylistPurge> purge();

  const GreylistSettings& settings() const { return settings_; }
  const ClientWhitelist& client_whitelist() const { return clients_; }
  const RecipientWhitelist& recipient_whitelist() const { return recipients_; }
  GreylistStore& store() { return *store_; }
  long long now() const { return clock_(); }

 private:
  Greylist(GreylistSettings s, Clock clock, ClientWhitelist c, RecipientWhitelist r,
           std::shared_ptr<GreylistStore> store);
  Result<std::string> decide(const PolicyRequest& request, const IpAddress& client, long long now);
  struct Recorded {
    bool client_whitelisted = false;  // auto-whitelisted: the triplet was not consulted
    TripletStep step;
  };
  Result<Recorded> record(const std::string& client_key, const std::string& key, long long now);
  std::string reply_text(std::string_view recipient, long long seconds_left) const;
  std::string header_text(long long delayed, long long now) const;
  bool new_instance(std::string_view instance);

  GreylistSettings settings_;
  Clock clock_;
  ClientWhitelist clients_;
  RecipientWhitelist recipients_;
  std::shared_ptr<GreylistStore> store_;
  long long last_purge_ = 0;
  std::array<std::string, 10> instances_;  // the latest messages given a header, as postgrey
  size_t next_instance_ = 0;
  log::Logger log_{"smtpd"};
};

// The Delegate for check_greylist: decisions run on a thread of their own, since they
// wait for the database (one LMDB write transaction and its fdatasync per decision).
// Make it in the role that uses it, after fork and before chroot (the database is opened
// here and stays open). Greylists of one process share the database's LMDB environment
// (see greylist_store.hpp), so a reload may make a new one while the old one still runs.
Result<std::shared_ptr<Delegate>> make_greylist(const config::Params& p, Clock clock = system_clock());

}  // namespace tern::policy
