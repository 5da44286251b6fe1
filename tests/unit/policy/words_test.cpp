// The restriction words beyond allow/deny: access answers applied (actions, codes,
// restriction words and classes), warn_if_reject, defer_if_permit/_reject, dry run,
// soft_bounce, reject_multi_recipient_bounce, client certificates, and the delegate
// words through a test Delegate and the registry.
#include <gtest/gtest.h>

#include "../await.hpp"
#include "policy/restrictions.hpp"

namespace tern::policy {
namespace {

RestrictionList list(std::vector<std::string> words, const CompileContext& ctx = {}) {
  auto l = compile("smtpd_recipient_restrictions", words, ctx);
  EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
  return l.ok() ? *l : RestrictionList{};
}

Facts rcpt() {
  Facts f;
  f.stage = Stage::recipient;
  f.client = "unknown[192.0.2.7]";
  f.client_addr = "192.0.2.7";
  f.sender = "alice@example.org";
  f.recipient = "bob@example.test";
  f.recipient_authorized = true;
  return f;
}

Decision eval(const RestrictionList& l, const Facts& f, Evaluation& ev) {
  return testing::run_await(evaluate(l, f, ev));
}
Decision eval(const RestrictionList& l, const Facts& f) {
  Evaluation ev;
  return eval(l, f, ev);
}

// A table answering `answer` for the recipient bob@example.test.
RestrictionList answering(const std::string& answer) {
  return list({"check_recipient_access", "inline:{ {bob@example.test = " + answer + "} }"});
}

TEST(AccessActions, RejectTextsAndCodes) {
  EXPECT_EQ(eval(answering("REJECT"), rcpt()).reply.wire(),
            "554 5.7.1 <bob@example.test>: Recipient address rejected: Access denied\r\n");
  EXPECT_EQ(eval(answering("REJECT no thanks"), rcpt()).reply.wire(),
            "554 5.7.1 <bob@example.test>: Recipient address rejected: no thanks\r\n");
  EXPECT_EQ(eval(answering("550 5.7.2 list closed"), rcpt()).reply.wire(),
            "550 5.7.2 <bob@example.test>: Recipient address rejected: list closed\r\n");
  EXPECT_EQ(eval(answering("421 later"), rcpt()).reply.wire(),
            "421 4.7.1 <bob@example.test>: Recipient address rejected: later\r\n");
  EXPECT_EQ(eval(answering("DEFER"), rcpt()).reply.wire(),
            "450 4.7.1 <bob@example.test>: Recipient address rejected: Access denied\r\n");
  EXPECT_EQ(eval(answering("OK"), rcpt()).verdict, Verdict::permit);
  EXPECT_EQ(eval(answering("DUNNO"), rcpt()).verdict, Verdict::dunno);
}

TEST(AccessActions, MalformedAnswerIsAServerConfigurationError) {
  Decision d = eval(answering("BCC"), rcpt());
  EXPECT_EQ(d.reply.wire(), "451 4.3.5 <bob@example.test>: Recipient address rejected: Server configuration error\r\n");
  EXPECT_NE(d.log_text.find("bcc needs one user@domain address"), std::string::npos) << d.log_text;
  d = eval(answering("no_such_word"), rcpt());
  EXPECT_EQ(d.reply.code, 451);
  EXPECT_NE(d.log_text.find("\"no_such_word\""), std::string::npos) << d.log_text;
  // Words with arguments only through a class.
  EXPECT_EQ(eval(answering("check_sender_access"), rcpt()).reply.code, 451);
}

TEST(AccessActions, FilterRidesAlong) {
  Evaluation ev;
  EXPECT_EQ(eval(answering("FILTER smtp:[127.0.0.1]:10025"), rcpt(), ev).verdict, Verdict::dunno);
  EXPECT_EQ(ev.actions.filter, "smtp:[127.0.0.1]:10025");
  ASSERT_EQ(ev.notes.size(), 1u);
  EXPECT_EQ(ev.notes[0].what, "filter");
  EXPECT_EQ(ev.notes[0].text, "<bob@example.test>: Recipient address triggers FILTER smtp:[127.0.0.1]:10025");
  MessageActions later;
  later.filter = "lmtp:unix:private/scan";
  ev.actions.merge(later);  // the last one wins
  EXPECT_EQ(ev.actions.filter, "lmtp:unix:private/scan");
}

TEST(AccessActions, MessageActionsRideAlong) {
  Evaluation ev;
  RestrictionList l = list({"check_recipient_access",
                            "inline:{ {bob@example.test = PREPEND X-Seen: yes} }", "check_sender_access",
                            "inline:{ {alice@example.org = BCC archive@example.test} }", "check_client_access",
                            "inline:{ {192.0.2.7 = HOLD} }", "check_helo_access",
                            "inline:{ {helo.example = REDIRECT abuse@example.test} }", "permit"});
  Facts f = rcpt();
  f.helo = "helo.example";
  EXPECT_EQ(eval(l, f, ev).verdict, Verdict::permit);
  EXPECT_TRUE(ev.actions.hold);
  EXPECT_FALSE(ev.actions.discard);
  EXPECT_EQ(ev.actions.prepend, std::vector<std::string>{"X-Seen: yes"});
  EXPECT_EQ(ev.actions.bcc, std::vector<std::string>{"archive@example.test"});
  EXPECT_EQ(ev.actions.redirect, "abuse@example.test");
  ASSERT_EQ(ev.notes.size(), 3u);
  EXPECT_EQ(ev.notes[0].what, "bcc");
  EXPECT_EQ(ev.notes[0].text, "<alice@example.org>: Sender address triggers BCC archive@example.test");
  EXPECT_EQ(ev.notes[1].what, "hold");
  EXPECT_EQ(ev.notes[1].text, "<unknown[192.0.2.7]>: Client host triggers HOLD action");
  EXPECT_EQ(ev.notes[2].what, "redirect");
  EXPECT_EQ(ev.notes[2].text, "<helo.example>: Helo command triggers REDIRECT abuse@example.test");
}

TEST(AccessActions, DiscardPermits) {
  Evaluation ev;
  EXPECT_EQ(eval(list({"check_recipient_access", "inline:{ {bob@example.test = DISCARD} }", "reject"}), rcpt(), ev)
                .verdict,
            Verdict::permit);
  EXPECT_TRUE(ev.actions.discard);
}

TEST(AccessActions, WarnAndInfoAreLogNotes) {
  Evaluation ev;
  EXPECT_EQ(eval(answering("WARN odd one"), rcpt(), ev).verdict, Verdict::dunno);
  ASSERT_EQ(ev.notes.size(), 1u);
  EXPECT_EQ(ev.notes[0].what, "warn");
  EXPECT_EQ(ev.notes[0].text, "<bob@example.test>: Recipient address odd one");
}

TEST(AccessActions, RestrictionWordsAsAnswer) {
  Facts f = rcpt();
  f.recipient_authorized = false;
  Decision d = eval(answering("permit_mynetworks reject_unauth_destination"), f);
  EXPECT_EQ(d.reply.wire(), "554 5.7.1 <bob@example.test>: Relay access denied\r\n");
  f.client_in_mynetworks = true;
  EXPECT_EQ(eval(answering("permit_mynetworks reject_unauth_destination"), f).verdict, Verdict::permit);
}

TEST(Classes, TableAnswerNamesAClass) {
  RestrictionClasses classes;
  classes.emplace("strict", list({"reject_non_fqdn_sender", "reject"}));
  Facts f = rcpt();
  f.classes = &classes;
  EXPECT_EQ(eval(answering("strict"), f).reply.wire(),
            "554 5.7.1 <bob@example.test>: Recipient address rejected: Access denied\r\n");
}

TEST(Classes, ClassNameInAList) {
  std::vector<std::string> names{"friendly"};
  CompileContext cc;
  cc.class_names = &names;
  RestrictionList l = list({"friendly", "reject"}, cc);
  ASSERT_EQ(l.words.size(), 2u);
  EXPECT_EQ(l.words[0], Word::restriction_class);
  RestrictionClasses classes;
  classes.emplace("friendly", list({"permit"}));
  Facts f = rcpt();
  f.classes = &classes;
  EXPECT_EQ(eval(l, f).verdict, Verdict::permit);
  f.classes = nullptr;  // a class that is not defined: configuration error, not a pass
  EXPECT_EQ(eval(l, f).reply.code, 451);
}

TEST(Classes, EndlessRecursionStops) {
  RestrictionClasses classes;
  classes.emplace("loop", list({"check_recipient_access", "inline:{ {bob@example.test = loop} }"}));
  Facts f = rcpt();
  f.classes = &classes;
  Decision d = eval(answering("loop"), f);
  EXPECT_EQ(d.reply.code, 451);
  EXPECT_NE(d.log_text.find("nesting too deep"), std::string::npos) << d.log_text;
}

TEST(WarnIfReject, TheNextRejectIsOnlyLogged) {
  Evaluation ev;
  Decision d = eval(list({"warn_if_reject", "reject", "permit"}), rcpt(), ev);
  EXPECT_EQ(d.verdict, Verdict::permit);
  ASSERT_EQ(ev.notes.size(), 1u);
  EXPECT_EQ(ev.notes[0].what, "reject_warning");
  EXPECT_EQ(ev.notes[0].text, "554 5.7.1 <bob@example.test>: Recipient address rejected: Access denied");
  // Only the next word.
  EXPECT_EQ(eval(list({"warn_if_reject", "permit_mynetworks", "reject"}), rcpt()).verdict, Verdict::reject);
}

TEST(DryRun, EveryRejectIsAWarning) {
  Evaluation ev;
  ev.dry_run = true;
  EXPECT_EQ(eval(list({"reject_non_fqdn_recipient", "reject"}), rcpt(), ev).verdict, Verdict::dunno);
  EXPECT_EQ(ev.notes.size(), 1u);
  ev = {};
  ev.dry_run = true;
  eval(list({"defer_if_permit", "permit"}), rcpt(), ev);
  EXPECT_EQ(finish(ev), std::nullopt);
  ASSERT_EQ(ev.notes.size(), 1u);
  EXPECT_EQ(ev.notes[0].text, "450 4.7.0 <bob@example.test>: Recipient address rejected: defer_if_permit requested");
}

TEST(SoftBounce, PermanentBecomesTemporary) {
  Evaluation ev;
  ev.soft_bounce = true;
  EXPECT_EQ(eval(list({"reject"}), rcpt(), ev).reply.wire(),
            "454 4.7.1 <bob@example.test>: Recipient address rejected: Access denied\r\n");
  EXPECT_EQ(eval(answering("550 5.7.2 closed"), rcpt(), ev).reply.wire(),
            "450 4.7.2 <bob@example.test>: Recipient address rejected: closed\r\n");
}

TEST(DeferIfPermit, AppliedAtTheEndUnlessRejected) {
  Evaluation ev;
  EXPECT_EQ(eval(list({"defer_if_permit", "permit"}), rcpt(), ev).verdict, Verdict::permit);
  auto r = finish(ev);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->wire(), "450 4.7.0 <bob@example.test>: Recipient address rejected: defer_if_permit requested\r\n");
  Evaluation none;
  EXPECT_EQ(finish(none), std::nullopt);
  Evaluation table;
  eval(answering("DEFER_IF_PERMIT 4.7.1 greylisted"), rcpt(), table);
  EXPECT_EQ(finish(table)->wire(), "450 4.7.1 <bob@example.test>: Recipient address rejected: greylisted\r\n");
}

TEST(DeferIfPermit, TheFirstReasonIsKept) {
  Evaluation ev;
  eval(list({"check_sender_access", "inline:{ {alice@example.org = DEFER_IF_PERMIT first} }", "defer_if_permit"}),
       rcpt(), ev);
  EXPECT_EQ(finish(ev)->wire(), "450 4.7.1 <alice@example.org>: Sender address rejected: first\r\n");
}

TEST(DeferIfReject, ALaterRejectIsDeferred) {
  Decision d = eval(list({"defer_if_reject", "reject"}), rcpt());
  EXPECT_EQ(d.reply.wire(), "450 4.7.0 <bob@example.test>: Recipient address rejected: defer_if_reject requested\r\n");
  EXPECT_EQ(eval(list({"defer_if_reject", "permit"}), rcpt()).verdict, Verdict::permit);
}

TEST(MultiRecipientBounce, NullSenderWithMoreThanOneRecipient) {
  RestrictionList l = list({"reject_multi_recipient_bounce"});
  Facts f = rcpt();
  f.sender = "";
  EXPECT_EQ(eval(l, f).verdict, Verdict::dunno);  // the first recipient
  f.recipient_count = 1;
  EXPECT_EQ(eval(l, f).reply.wire(), "550 5.5.3 <>: Sender address rejected: Multi-recipient bounce\r\n");
  f.stage = Stage::data;
  EXPECT_EQ(eval(l, f).verdict, Verdict::dunno);
  f.recipient_count = 2;
  EXPECT_EQ(eval(l, f).verdict, Verdict::reject);
  f.sender = "alice@example.org";
  EXPECT_EQ(eval(l, f).verdict, Verdict::dunno);
}

TEST(DataStages, Subjects) {
  Facts f = rcpt();
  f.stage = Stage::data;
  EXPECT_EQ(eval(list({"reject"}), f).reply.wire(), "554 5.7.1 <DATA>: Data command rejected: Access denied\r\n");
  f.stage = Stage::end_of_data;
  EXPECT_EQ(eval(list({"reject"}), f).reply.wire(),
            "554 5.7.1 <END-OF-MESSAGE>: End-of-data rejected: Access denied\r\n");
  f.stage = Stage::data;
  f.improper_pipelining = true;
  EXPECT_EQ(eval(list({"reject_unauth_pipelining"}), f).reply.wire(),
            "503 5.5.0 <DATA>: Data command rejected: Improper use of SMTP command pipelining\r\n");
}

TEST(ClientCerts, FingerprintInRelayClientcerts) {
  auto table = maps::MapList::open({"inline:{ {AB:CD:EF = ok} }"}, maps::OpenContext{});
  ASSERT_TRUE(table.ok());
  Facts f = rcpt();
  f.relay_clientcerts = &*table;
  RestrictionList l = list({"permit_tls_clientcerts", "reject"});
  EXPECT_EQ(eval(l, f).verdict, Verdict::reject);  // no certificate
  f.ccert_fingerprint = "AB:CD:EF";
  EXPECT_EQ(eval(l, f).verdict, Verdict::permit);  // listed: the CA need not be trusted
  f.ccert_fingerprint = "00:11";
  EXPECT_EQ(eval(l, f).verdict, Verdict::reject);
  f.ccert_pubkey_fingerprint = "AB:CD:EF";  // the public key's fingerprint counts too
  EXPECT_EQ(eval(l, f).verdict, Verdict::permit);
  f.ccert_pubkey_fingerprint = {};
  RestrictionList all = list({"permit_tls_all_clientcerts", "reject"});
  EXPECT_EQ(eval(all, f).verdict, Verdict::reject);  // not verified
  f.ccert_verified = true;
  EXPECT_EQ(eval(all, f).verdict, Verdict::permit);
  EXPECT_EQ(eval(list({"check_ccert_access", "inline:{ {00:11 = REJECT bad cert} }"}), f).reply.wire(),
            "554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: bad cert\r\n");
}

TEST(Compile, ArgumentsAreChecked) {
  auto l = compile("smtpd_recipient_restrictions", {"sleep"});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, "smtpd_recipient_restrictions: sleep needs a number of seconds");
  l = compile("smtpd_recipient_restrictions", {"sleep", "soon"});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, "smtpd_recipient_restrictions: sleep soon: expected seconds (0-3600)");
  EXPECT_TRUE(compile("smtpd_recipient_restrictions", {"sleep", "0", "permit"}).ok());
  l = compile("smtpd_recipient_restrictions", {"check_policy_service"});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, "smtpd_recipient_restrictions: check_policy_service needs a service");
  l = compile("smtpd_recipient_restrictions", {"check_ccert_access"});
  ASSERT_FALSE(l.ok());
  l = compile("smtpd_recipient_restrictions", {"check_sasl_access", "inline:{}"});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message,
            "smtpd_recipient_restrictions: unknown restriction \"check_sasl_access\" (not supported yet)");
}

TEST(Sleep, PausesThenGoesOn) {
  EXPECT_EQ(eval(list({"sleep", "0", "permit"}), rcpt()).verdict, Verdict::permit);
}

// ---- delegates -----------------------------------------------------------------------

class TestDelegate : public Delegate {
 public:
  explicit TestDelegate(Result<std::string> answer) : answer_(std::move(answer)) {}
  asio::awaitable<Result<std::string>> ask(const PolicyRequest& request) override {
    requests.push_back(request);
    co_return answer_;
  }
  std::vector<PolicyRequest> requests;

 private:
  Result<std::string> answer_;
};

struct Delegates {
  std::shared_ptr<TestDelegate> d;
  std::string arg;
  DelegateRegistry registry;
  explicit Delegates(Result<std::string> answer) : d(std::make_shared<TestDelegate>(std::move(answer))) {
    for (const char* w : {"check_policy_service", "check_greylist"})
      registry.add(w, [this](std::string_view, std::string_view a) -> Result<std::shared_ptr<Delegate>> {
        arg = std::string(a);
        return std::shared_ptr<Delegate>(d);
      });
  }
};

TEST(Delegates, NotAvailableUntilRegistered) {
  auto l = compile("smtpd_recipient_restrictions", {"check_policy_service", "inet:127.0.0.1:9998"});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message, "smtpd_recipient_restrictions: check_policy_service is not available in this build");
  Delegates ds{std::string("DUNNO")};
  CompileContext cc;
  cc.delegates = &ds.registry;
  for (const char* w : {"check_reputation", "reject_unverified_recipient", "reject_unverified_sender", "check_spamtrap"}) {
    auto r = compile("smtpd_recipient_restrictions", {w}, cc);
    ASSERT_FALSE(r.ok()) << w;
    EXPECT_EQ(r.error().message, std::string("smtpd_recipient_restrictions: ") + w + " is not available in this build");
  }
}

TEST(Delegates, AnswerIsAnAccessAction) {
  Delegates ds{std::string("REJECT 5.7.1 greylisted elsewhere")};
  CompileContext cc;
  cc.delegates = &ds.registry;
  RestrictionList l = list({"check_policy_service", "inet:127.0.0.1:9998, timeout=10s", "permit"}, cc);
  EXPECT_EQ(ds.arg, "inet:127.0.0.1:9998, timeout=10s");
  Decision d = eval(l, rcpt());
  EXPECT_EQ(d.reply.wire(), "554 5.7.1 <bob@example.test>: Recipient address rejected: greylisted elsewhere\r\n");
  ASSERT_EQ(ds.d->requests.size(), 1u);
}

TEST(Delegates, DeferIfPermitFromAPolicy) {
  Delegates ds{std::string("DEFER_IF_PERMIT Service temporarily unavailable")};
  CompileContext cc;
  cc.delegates = &ds.registry;
  Evaluation ev;
  EXPECT_EQ(eval(list({"check_greylist", "permit"}, cc), rcpt(), ev).verdict, Verdict::permit);
  EXPECT_EQ(finish(ev)->wire(),
            "450 4.7.1 <bob@example.test>: Recipient address rejected: Service temporarily unavailable\r\n");
}

TEST(Delegates, FailureUsesTheDefault) {
  Delegates ds{Error{"connection refused"}};
  CompileContext cc;
  cc.delegates = &ds.registry;
  Decision d = eval(list({"check_greylist"}, cc), rcpt());
  EXPECT_EQ(d.reply.wire(), "451 4.3.0 <bob@example.test>: Recipient address rejected: Server configuration problem\r\n");
  EXPECT_EQ(d.log_text, "check_greylist: connection refused");
}

TEST(Delegates, RequestAttributes) {
  Delegates ds{std::string("DUNNO")};
  CompileContext cc;
  cc.delegates = &ds.registry;
  Facts f = rcpt();
  f.command = "RCPT";
  f.helo = "client.example";
  f.protocol = "ESMTP";
  f.queue_id = "";
  f.instance = "1a2b.3c.1";
  f.client_name = "client.example";
  f.client_port = "40000";
  f.recipient_count = 2;
  eval(list({"check_policy_service", "unix:private/policy"}, cc), f);
  ASSERT_EQ(ds.d->requests.size(), 1u);
  const PolicyRequest& r = ds.d->requests[0];
  EXPECT_EQ(r.attributes.front().first, "request");
  EXPECT_EQ(r.get("request"), "smtpd_access_policy");
  EXPECT_EQ(r.get("protocol_state"), "RCPT");
  EXPECT_EQ(r.get("protocol_name"), "ESMTP");
  EXPECT_EQ(r.get("helo_name"), "client.example");
  EXPECT_EQ(r.get("sender"), "alice@example.org");
  EXPECT_EQ(r.get("recipient"), "bob@example.test");
  EXPECT_EQ(r.get("recipient_count"), "2");
  EXPECT_EQ(r.get("client_address"), "192.0.2.7");
  EXPECT_EQ(r.get("client_name"), "client.example");
  EXPECT_EQ(r.get("reverse_client_name"), "client.example");
  EXPECT_EQ(r.get("instance"), "1a2b.3c.1");
  EXPECT_EQ(r.get("client_port"), "40000");
  for (const char* k : {"queue_id", "sasl_method", "sasl_username", "sasl_sender", "size", "ccert_subject",
                        "ccert_issuer", "ccert_fingerprint", "ccert_pubkey_fingerprint", "encryption_protocol",
                        "encryption_cipher", "encryption_keysize", "etrn_domain", "stress", "server_address",
                        "server_port", "policy_context", "compatibility_level", "mail_version"}) {
    bool present = false;
    for (const auto& [name, value] : r.attributes) present |= name == k;
    EXPECT_TRUE(present) << k;
  }
  // At DATA there is no single recipient to name.
  f.stage = Stage::data;
  f.command = "DATA";
  eval(list({"check_policy_service", "unix:private/policy"}, cc), f);
  EXPECT_EQ(ds.d->requests[1].get("protocol_state"), "DATA");
  EXPECT_EQ(ds.d->requests[1].get("recipient"), "");
}

}  // namespace
}  // namespace tern::policy
