// The check_spamtrap delegate at unit level: trap addresses in Postfix's key order, the
// answer spamtrap_action asks for, the client blocked until spamtrap_block_time passes,
// and the configuration errors.
#include "policy/spamtrap.hpp"

#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "../test_params.hpp"

namespace tern::policy {
namespace {

constexpr int64_t T0 = 1'765'113'600;

class SpamtrapTest : public ::testing::Test {
 protected:
  std::shared_ptr<Spamtrap> make(std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<std::pair<std::string, std::string>> settings = {
        {"spamtrap_maps", "inline:{ trap@example.test=yes, traps.example.test=yes }"},
        {"spamtrap_blocklist_database", "lmdb:" + db()},
        {"recipient_delimiter", "+"},
    };
    for (auto& e : extra) settings.push_back(e);
    auto d = make_spamtrap(testing::test_params(settings));
    EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().message);
    return d.ok() ? std::dynamic_pointer_cast<Spamtrap>(*d) : nullptr;
  }
  std::string db() const { return dir.file("spamtrap_blocklist"); }
  static PolicyRequest rcpt(std::string to, std::string client = "192.0.2.7") {
    PolicyRequest r;
    r.set("request", "smtpd_access_policy");
    r.set("protocol_state", "RCPT");
    r.set("queue_id", "4Yg3Nf0x5WzK");
    r.set("sender", "spammer@example.org");
    r.set("recipient", std::move(to));
    r.set("client_address", std::move(client));
    r.set("client_name", "unknown");
    return r;
  }
  std::optional<maps::BlockRecord> listed(const std::string& client, int64_t now) {
    auto b = maps::Blocklist::open("lmdb:" + db(), "");
    EXPECT_TRUE(b.ok());
    auto r = (*b)->find(client, now);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : std::nullopt;
  }

  testing::TempDir dir;
};

TEST_F(SpamtrapTest, ATrapHitDiscardsAndBlocksTheClient) {
  auto s = make();
  ASSERT_TRUE(s);
  auto a = s->decide(rcpt("Trap+x@EXAMPLE.test"), T0);  // extension and case do not hide a trap
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(*a, "DISCARD spam trap");
  auto r = listed("192.0.2.7", T0 + 1);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->until, T0 + 86400);  // spamtrap_block_time's default, a day
  EXPECT_EQ(r->action, "REJECT Client host blocked after mail to a spam trap");
  EXPECT_EQ(r->trap, "Trap+x@EXAMPLE.test");
  EXPECT_FALSE(listed("192.0.2.7", T0 + 86400));
}

TEST_F(SpamtrapTest, OtherRecipientsAndOtherStagesAreLeftAlone) {
  auto s = make();
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->decide(rcpt("alice@example.test"), T0), "DUNNO");
  EXPECT_EQ(*s->decide(rcpt("anyone@traps.example.test"), T0), "DISCARD spam trap");  // the domain key
  PolicyRequest mail = rcpt("");
  mail.set("protocol_state", "MAIL");
  EXPECT_EQ(*s->decide(mail, T0), "DUNNO");
  EXPECT_FALSE(listed("192.0.2.99", T0));
}

TEST_F(SpamtrapTest, AcceptKeepsTheMessageAndStillBlocks) {
  auto s = make({{"spamtrap_action", "accept"}, {"spamtrap_block_time", "10m"},
                 {"spamtrap_blocklist_action", "554 5.7.1 go away"}});
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->decide(rcpt("trap@example.test", "192.0.2.8"), T0), "DUNNO");
  auto r = listed("192.0.2.8", T0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->until, T0 + 600);
  EXPECT_EQ(r->action, "554 5.7.1 go away");
}

TEST_F(SpamtrapTest, ZeroBlockTimeBlocksNobody) {
  auto s = make({{"spamtrap_block_time", "0"}});
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->decide(rcpt("trap@example.test", "192.0.2.9"), T0), "DISCARD spam trap");
  EXPECT_FALSE(listed("192.0.2.9", T0));
}

TEST_F(SpamtrapTest, ATableErrorIsAnError) {
  auto s = make({{"spamtrap_maps", "fail:broken"}});
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->decide(rcpt("trap@example.test"), T0).ok());
}

TEST_F(SpamtrapTest, ConfigurationErrors) {
  auto empty = make_spamtrap(testing::test_params({{"spamtrap_blocklist_database", "lmdb:" + db()}}));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("spamtrap_maps is empty"), std::string::npos);
  auto action = make_spamtrap(testing::test_params(
      {{"spamtrap_maps", "inline:{ t@x=1 }"}, {"spamtrap_action", "bounce"}, {"spamtrap_blocklist_database", "lmdb:" + db()}}));
  ASSERT_FALSE(action.ok());
  EXPECT_EQ(action.error().message, "spamtrap_action: \"bounce\": expected accept or discard");
  auto db_type = make_spamtrap(testing::test_params({{"spamtrap_maps", "inline:{ t@x=1 }"},
                                                     {"spamtrap_blocklist_database", "hash:" + db()}}));
  ASSERT_FALSE(db_type.ok());
  EXPECT_NE(db_type.error().message.find("only lmdb:"), std::string::npos);
}

}  // namespace
}  // namespace tern::policy
