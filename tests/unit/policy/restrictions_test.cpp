// Restriction lists: compile errors and Postfix's verdicts, codes and reply texts.
#include "policy/restrictions.hpp"

#include <gtest/gtest.h>

#include "../await.hpp"

namespace tern::policy {
namespace {

// The evaluator is a coroutine; these tests run it to completion on a local event loop.
Decision eval(const RestrictionList& l, const Facts& f) {
  Evaluation ev;
  return testing::run_await(evaluate(l, f, ev));
}

RestrictionList list(std::vector<std::string> words) {
  auto l = compile("smtpd_relay_restrictions", words);
  EXPECT_TRUE(l.ok()) << (l.ok() ? "" : l.error().message);
  return l.ok() ? *l : RestrictionList{};
}

Facts rcpt(bool authorized, bool mynetworks = false) {
  Facts f;
  f.stage = Stage::recipient;
  f.client = "unknown[192.0.2.7]";
  f.recipient = "bob@remote.example";
  f.recipient_authorized = authorized;
  f.client_in_mynetworks = mynetworks;
  return f;
}

TEST(Compile, KnownWordsInOrder) {
  RestrictionList l = list({"permit_mynetworks", "permit_sasl_authenticated", "reject_unauth_destination"});
  EXPECT_EQ(l.param, "smtpd_relay_restrictions");
  EXPECT_EQ(l.words, (std::vector<Word>{Word::permit_mynetworks, Word::permit_sasl_authenticated,
                                        Word::reject_unauth_destination}));
}

TEST(Compile, UnknownWordIsNamed) {
  auto l = compile("smtpd_recipient_restrictions", {"permit_mynetworks", "permit_inet_interfaces"});
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().message,
            "smtpd_recipient_restrictions: unknown restriction \"permit_inet_interfaces\" (not supported yet)");
}

TEST(Evaluate, RejectUnauthDestination) {
  Decision d = eval(list({"reject_unauth_destination"}), rcpt(false));
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(d.reply.wire(), "554 5.7.1 <bob@remote.example>: Relay access denied\r\n");
  EXPECT_EQ(eval(list({"reject_unauth_destination"}), rcpt(true)).verdict, Verdict::dunno);
}

TEST(Evaluate, RelayRejectCodeIsConfigurable) {
  Facts f = rcpt(false);
  f.relay_reject_code = 550;
  EXPECT_EQ(eval(list({"reject_unauth_destination"}), f).reply.wire(),
            "550 5.7.1 <bob@remote.example>: Relay access denied\r\n");
}

TEST(Evaluate, DeferUnauthDestination) {
  Decision d = eval(list({"defer_unauth_destination"}), rcpt(false));
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(d.reply.wire(), "454 4.7.1 <bob@remote.example>: Relay access denied\r\n");
  EXPECT_EQ(eval(list({"defer_unauth_destination"}), rcpt(true)).verdict, Verdict::dunno);
}

TEST(Evaluate, PermitMynetworksComesFirst) {
  RestrictionList l = list({"permit_mynetworks", "reject_unauth_destination"});
  EXPECT_EQ(eval(l, rcpt(false, true)).verdict, Verdict::permit);
  EXPECT_EQ(eval(l, rcpt(false, false)).verdict, Verdict::reject);
}

TEST(Evaluate, PermitSaslAuthenticated) {
  Facts f = rcpt(false);
  f.sasl_authenticated = true;
  EXPECT_EQ(eval(list({"permit_sasl_authenticated", "reject"}), f).verdict, Verdict::permit);
  f.sasl_authenticated = false;
  EXPECT_EQ(eval(list({"permit_sasl_authenticated", "reject"}), f).verdict, Verdict::reject);
}

TEST(Evaluate, PermitAuthDestination) {
  RestrictionList l = list({"permit_auth_destination", "reject"});
  EXPECT_EQ(eval(l, rcpt(true)).verdict, Verdict::permit);
  EXPECT_EQ(eval(l, rcpt(false)).verdict, Verdict::reject);
}

TEST(Evaluate, PermitAndReject) {
  EXPECT_EQ(eval(list({"permit", "reject"}), rcpt(false)).verdict, Verdict::permit);
  Decision d = eval(list({"reject", "permit"}), rcpt(true));
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(d.reply.wire(), "554 5.7.1 <bob@remote.example>: Recipient address rejected: Access denied\r\n");
}

TEST(Evaluate, RejectCodeIsConfigurable) {
  Facts f = rcpt(true);
  f.reject_code = 550;
  EXPECT_EQ(eval(list({"reject"}), f).reply.wire(),
            "550 5.7.1 <bob@remote.example>: Recipient address rejected: Access denied\r\n");
}

TEST(Evaluate, DeferUsesTheDeferCode) {
  Decision d = eval(list({"defer"}), rcpt(true));
  EXPECT_EQ(d.verdict, Verdict::reject);
  EXPECT_EQ(d.reply.wire(), "450 4.7.1 <bob@remote.example>: Recipient address rejected: Access denied\r\n");
}

TEST(Evaluate, ClientStageRejectNamesTheClient) {
  Facts f = rcpt(true);
  f.stage = Stage::client;
  EXPECT_EQ(eval(list({"reject"}), f).reply.wire(),
            "554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: Access denied\r\n");
}

TEST(Evaluate, DestinationChecksApplyOnlyToRecipients) {
  Facts f = rcpt(false);
  f.stage = Stage::sender;
  EXPECT_EQ(eval(list({"reject_unauth_destination", "defer_unauth_destination"}), f).verdict,
            Verdict::dunno);
}

TEST(Evaluate, EmptyListIsDunno) { EXPECT_EQ(eval(list({}), rcpt(false)).verdict, Verdict::dunno); }

}  // namespace
}  // namespace tern::policy
