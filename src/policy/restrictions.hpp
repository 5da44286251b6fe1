// The SMTP access restriction lists (smtpd_client_, _helo_, _sender_, _relay_,
// _recipient_, _data_ and _end_of_data_restrictions, and the smtpd_restriction_classes):
// compiled once from their words (and the tables and delegates the words name), evaluated
// per command against the session's Facts. Evaluation is a coroutine: a word may suspend
// (a policy delegate, sleep); a list whose words never suspend costs one coroutine frame.
// Any word not known yet is a configuration error that names it.
#pragma once
#include <asio/awaitable.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "maps/lookup.hpp"
#include "policy/delegate.hpp"
#include "smtp/reply.hpp"
#include "spf/check.hpp"

namespace tern::dns {
class Resolver;
}
namespace tern::route {
class AddressResolver;
class RecipientTables;
}  // namespace tern::route
namespace tern::config {
struct Params;
}

namespace tern::policy {

struct ListDomain;
class DnsCache;

enum class Word {
  permit, reject, defer, permit_mynetworks, permit_sasl_authenticated,
  reject_unauth_destination, defer_unauth_destination, permit_auth_destination,
  reject_unauth_pipelining, reject_non_fqdn_helo_hostname, reject_invalid_helo_hostname,
  reject_non_fqdn_sender, reject_non_fqdn_recipient,
  check_client_access, check_reverse_client_hostname_access, check_helo_access,
  check_sender_access, check_recipient_access, check_ccert_access,
  reject_sender_login_mismatch, reject_authenticated_sender_login_mismatch,
  reject_unauthenticated_sender_login_mismatch,
  reject_spf_fail, reject_spf_softfail, reject_spf_permerror, defer_spf_temperror,
  reject_multi_recipient_bounce, warn_if_reject, defer_if_permit, defer_if_reject, sleep,
  permit_tls_clientcerts, permit_tls_all_clientcerts,
  reject_unlisted_sender, reject_unlisted_recipient,
  // DNS lists (dns_words.hpp)
  reject_rbl_client, reject_rhsbl_client, reject_rhsbl_reverse_client, reject_rhsbl_helo,
  reject_rhsbl_sender, reject_rhsbl_recipient, permit_dnswl_client, permit_rhswl_client,
  // Tables searched for a domain's MX hosts, name servers or addresses (server_access.hpp)
  check_client_mx_access, check_client_ns_access, check_client_a_access,
  check_reverse_client_mx_access, check_reverse_client_ns_access, check_reverse_client_a_access,
  check_helo_mx_access, check_helo_ns_access, check_helo_a_access,
  check_sender_mx_access, check_sender_ns_access, check_sender_a_access,
  check_recipient_mx_access, check_recipient_ns_access, check_recipient_a_access,
  // Names that must resolve (unknown_words.hpp)
  reject_unknown_client_hostname, reject_unknown_reverse_client_hostname, reject_unknown_helo_hostname,
  reject_unknown_sender_domain, reject_unknown_recipient_domain,
  delegate,           // check_policy_service, check_greylist, … (a Delegate answers)
  restriction_class,  // a name from smtpd_restriction_classes
};

// What the session learnt of the client's name (Postfix's peer codes): a name that
// resolves (ok), a lookup that failed for now (temporary), or none (permanent: no PTR, or
// for the verified name also a PTR name whose addresses do not include the client's).
enum class NameStatus { ok, temporary, permanent };

// The SMTP stage a list is evaluated for; it chooses the reply's subject and the
// protocol_state of a policy request.
enum class Stage { client, helo, sender, recipient, data, end_of_data };

// What one word carries besides itself.
struct WordArg {
  std::shared_ptr<const maps::MapList> table;  // check_*_access
  std::shared_ptr<Delegate> delegate;          // check_policy_service, check_greylist, …
  std::string name;                            // delegates and classes: the word as written
  int seconds = 0;                             // sleep
  std::shared_ptr<const ListDomain> list;      // reject_rbl_client and the other DNS lists
};

struct RestrictionList {
  std::string param;  // for log lines: "smtpd_relay_restrictions"
  std::vector<Word> words;
  std::vector<WordArg> args;  // one per word
};

// Makes the Delegate a word names ("check_policy_service", "inet:127.0.0.1:9998"); the
// lead registers the kinds the build has. A kind that is not registered is not available.
using DelegateFactory =
    std::function<Result<std::shared_ptr<Delegate>>(std::string_view word, std::string_view arg)>;

class DelegateRegistry {
 public:
  void add(std::string word, DelegateFactory make) { kinds_[std::move(word)] = std::move(make); }
  bool has(std::string_view word) const { return kinds_.find(word) != kinds_.end(); }
  Result<std::shared_ptr<Delegate>> make(std::string_view word, std::string_view arg) const;

 private:
  std::map<std::string, DelegateFactory, std::less<>> kinds_;
};

// The words answered by a Delegate, and whether they take an argument.
bool is_delegate_word(std::string_view word, bool* takes_arg = nullptr);

struct CompileContext {
  maps::OpenContext maps;               // opens the tables check_*_access words name
  const DelegateRegistry* delegates = nullptr;
  const std::vector<std::string>* class_names = nullptr;  // smtpd_restriction_classes
  bool dns_lookups = true;  // false with disable_dns_lookups: the DNS words are an error
  bool client_names = true; // false with smtpd_peername_lookup = no: reject_unknown_*client* are an error
};

// Whether the list has an SPF word (the session then checks SPF before evaluating it).
bool uses_spf(const RestrictionList& list);
// Whether the list has a word that asks the DNS (the session then needs a resolver).
bool uses_dns(const RestrictionList& list);

Result<RestrictionList> compile(std::string_view param, const std::vector<std::string>& words,
                                const CompileContext& ctx = {});

// smtpd_restriction_classes: name → list, usable as an access table's answer.
using RestrictionClasses = std::map<std::string, RestrictionList, std::less<>>;

// What the evaluator needs to know about the session and the current command. The text
// fields are views of the session's own strings (built once, not per command); a Facts
// lives no longer than the command's evaluation.
struct Facts {
  Stage stage = Stage::recipient;
  std::string_view command = "RCPT";  // CONNECT, HELO, EHLO, MAIL, RCPT, DATA, END-OF-MESSAGE, VRFY
  bool client_in_mynetworks = false;
  bool sasl_authenticated = false;
  std::string_view client;       // "unknown[127.0.0.1]"
  std::string_view helo;         // as sent
  std::string_view sender;       // MAIL FROM address
  std::string_view recipient;    // at RCPT
  bool recipient_authorized = false;  // domain is ours or relayed for
  bool improper_pipelining = false;   // commands sent ahead where not allowed
  std::string_view client_name = "unknown", client_addr;
  std::string_view reverse_client_name;  // "" = client_name
  NameStatus client_name_status = NameStatus::ok, reverse_client_name_status = NameStatus::ok;
  std::string_view recipient_delimiter;
  std::string_view sasl_username;                         // "" when not authenticated
  std::string_view sasl_method;
  const maps::MapList* sender_login_maps = nullptr;       // smtpd_sender_login_maps
  int reject_code = 554;         // smtpd reject_code
  int defer_code = 450;
  int relay_reject_code = 554;   // relay_domains_reject_code
  int access_reject_code = 554, access_defer_code = 450;
  int non_fqdn_code = 504, invalid_hostname_code = 501;
  int multi_recipient_bounce_code = 550;
  size_t recipient_count = 0;    // accepted so far (at DATA and after: all)
  // The SPF check of the MAIL FROM identity (HELO for the null sender); null when not done.
  const spf::Outcome* spf = nullptr;
  // TLS: the client certificate's fingerprint (":"-separated hex, as Postfix prints it)
  // when one was presented and verified; the cipher facts for policy requests.
  std::string_view ccert_fingerprint, ccert_pubkey_fingerprint, ccert_subject, ccert_issuer;
  bool ccert_verified = false;
  std::string_view encryption_protocol, encryption_cipher, encryption_keysize;
  const maps::MapList* relay_clientcerts = nullptr;
  // reject_unlisted_sender / _recipient.
  const route::RecipientTables* recipient_tables = nullptr;
  const route::AddressResolver* resolver = nullptr;
  const config::Params* params = nullptr;  // the *_reject_code parameters
  // Policy requests: protocol_name, queue_id, instance, size, ports, server address.
  std::string_view protocol = "SMTP", queue_id, instance, server_address, server_port, client_port;
  size_t size = 0;
  std::string_view policy_context;
  const RestrictionClasses* classes = nullptr;  // access answers naming a class
  // The DNS words: the session's resolver and answer cache (null when the DNS is not
  // used), maps_rbl_reject_code, the raw default_rbl_reply template and rbl_reply_maps.
  dns::Resolver* dns_resolver = nullptr;
  DnsCache* dns_cache = nullptr;
  int rbl_reject_code = 554;
  std::string_view default_rbl_reply;
  const maps::MapList* rbl_reply_maps = nullptr;
};

// The verdict of a list: permit ends that list, reject ends the command.
enum class Verdict { dunno, permit, reject };

struct Decision {
  Verdict verdict = Verdict::dunno;
  smtp::Reply reply;
  std::string log_text;  // why, for a warning (a table that failed, a bad answer)
};

// What access answers asked to do to the message while letting it in; the session
// carries it on the transaction and applies it when the message is submitted.
struct MessageActions {
  bool hold = false, discard = false;
  std::vector<std::string> prepend;  // header lines, "Name: value"
  std::vector<std::string> bcc;
  std::string redirect;              // all recipients replaced by this one
  std::string filter;                // transport:destination for every recipient (not after REDIRECT)
  void merge(const MessageActions& o);
  bool empty() const {
    return !hold && !discard && prepend.empty() && bcc.empty() && redirect.empty() && filter.empty();
  }
};

// A line for the mail log: "warn", "info", "reject_warning", "hold", "discard", "redirect", "filter", "bcc",
// logged by the session as "NOQUEUE: <what>: RCPT from c[a]: <text>; from=<s> to=<r> …".
struct Note {
  std::string what, text;
};

// One command's evaluation across its lists: what carries from word to word and list to
// list (Postfix's defer_if_permit / defer_if_reject), the actions and the log notes.
struct Evaluation {
  bool dry_run = false;     // smtpd_restriction_dry_run: every reject is a reject_warning
  bool soft_bounce = false; // 5xx restriction replies become 4xx
  std::optional<smtp::Reply> defer_if_permit;  // given at the end unless something rejects
  std::optional<smtp::Reply> defer_if_reject;  // a later reject becomes this deferral
  MessageActions actions;
  std::vector<Note> notes;
  std::vector<std::string> warnings;  // logged as warnings (a DNS lookup that failed)
  int depth = 0;  // restriction classes nest; Postfix stops at 100
};

// Evaluates one list. A reject (already turned into a deferral, a warning or a 4xx as
// `ev` says) ends the command; a permit ends only this list.
asio::awaitable<Decision> evaluate(const RestrictionList& list, const Facts& facts, Evaluation& ev);

// The end of a command's evaluation when no list rejected: the remembered
// defer_if_permit, if any (a reject_warning instead in a dry run).
std::optional<smtp::Reply> finish(Evaluation& ev);

// The request a Delegate is asked (Postfix's policy delegation attributes).
PolicyRequest policy_request(const Facts& f);

// Postfix's helo/hostname syntax rules (exposed for tests).
bool valid_hostname(std::string_view name);
bool fqdn_hostname(std::string_view name);

}  // namespace tern::policy
