// The greylist's state machine, postgrey 1.37's smtpd_access_policy() as pure functions of
// what is stored and the time, so it is tested with a fake clock and no database:
//
//   triplet never seen, forgotten (unseen for max_age), or its first attempt older than
//   the retry window without a pass          -> greylisted (first seen = now)
//   seen, but less than `delay` ago          -> greylisted ("early retry", seconds left)
//   first time `delay` has passed            -> passed after the delay (the caller adds the
//                                               X-Greylist header once per message)
//   passed before                            -> passed
//
// Every attempt records "last seen". A client whose triplets passed after a delay in
// `auto_whitelist` different hours is whitelisted by address (postgrey's client AWL) until
// it stays away for max_age. Records are text, "FIRST,LAST" and "COUNT,LAST" (seconds
// since the epoch), like postgrey's, so the database reads well in `tern greylist list`.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace tern::policy {

struct GreylistTiming {
  long long delay = 300;                // greylist_delay
  long long max_age = 35 * 86400;       // greylist_max_age
  long long retry_window = 2 * 86400;   // greylist_retry_window
  long long auto_whitelist = 5;         // greylist_auto_whitelist_clients; 0: off
};

struct TripletRecord {
  long long first = 0;  // first attempt (of the current round)
  long long last = 0;   // latest attempt
  bool operator==(const TripletRecord&) const = default;
};

struct ClientRecord {
  long long count = 0;  // hours in which a triplet of this client passed after a delay
  long long last = 0;
  bool operator==(const ClientRecord&) const = default;
};

std::string encode(const TripletRecord& r);
std::string encode(const ClientRecord& r);
// nullopt for anything but two decimal numbers separated by a comma.
std::optional<TripletRecord> decode_triplet(std::string_view text);
std::optional<ClientRecord> decode_client(std::string_view text);

// A triplet that passed once (its last attempt came `delay` after its first).
bool has_passed(const TripletRecord& r, const GreylistTiming& t);
// What a purge removes and a lookup ignores: unseen for max_age, or never passed and
// unseen for the retry window.
bool is_expired(const TripletRecord& r, long long now, const GreylistTiming& t);
bool is_expired(const ClientRecord& r, long long now, const GreylistTiming& t);

// The client auto-whitelist, consulted before the triplet.
struct ClientCheck {
  bool whitelisted = false;
  std::optional<ClientRecord> store;  // the record to write back, when it changed
};
ClientCheck check_client(const std::optional<ClientRecord>& stored, long long now, const GreylistTiming& t);

enum class TripletOutcome { greylisted, passed_after_delay, passed };

struct TripletStep {
  TripletOutcome outcome = TripletOutcome::greylisted;
  bool early_retry = false;  // greylisted: seen before (postgrey's "early-retry" vs "new")
  long long seconds = 0;     // greylisted: seconds left; passed_after_delay: seconds waited
  TripletRecord store;       // always written back (last seen)
  std::optional<ClientRecord> client;  // the client's auto-whitelist record, when it changed
  bool client_whitelisted_now = false;  // this pass made the client reach the threshold
};
// `client` is the client's record as check_client() saw it (not whitelisted).
TripletStep step_triplet(const std::optional<TripletRecord>& stored, const std::optional<ClientRecord>& client,
                         long long now, const GreylistTiming& t);

}  // namespace tern::policy
