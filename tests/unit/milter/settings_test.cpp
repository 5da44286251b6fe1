// Milter parameters: endpoints, the default action, the protocol version, macro lists.
#include <gtest/gtest.h>

#include "../temp_dir.hpp"
#include "../test_params.hpp"
#include "milter/settings.hpp"

namespace tern::milter {
namespace {

TEST(MilterSettings, Endpoints) {
  auto e = parse_endpoint("inet:127.0.0.1:8891", "");
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->local);
  EXPECT_EQ(e->address.to_string(), "127.0.0.1");
  EXPECT_EQ(e->port, 8891);
  e = parse_endpoint("inet:[::1]:11332", "");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->address.v6);
  e = parse_endpoint("unix:/run/opendkim/opendkim.sock", "");
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->local);
  EXPECT_EQ(e->path, "/run/opendkim/opendkim.sock");
  e = parse_endpoint("inet:milter.example:25", "# hosts\n192.0.2.9 milter.example other\n");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->address.to_string(), "192.0.2.9");
  for (const char* bad : {"inet:milter.example:25", "inet:127.0.0.1", "inet:127.0.0.1:0", "inet:127.0.0.1:65536",
                          "inet:127.0.0.1:x", "unix:", "local:/x", "8891@localhost", ""})
    EXPECT_FALSE(parse_endpoint(bad, "")) << bad;
}

TEST(MilterSettings, Load) {
  auto p = tern::testing::test_params({{"milter_default_action", "Quarantine"},
                                       {"milter_protocol", "4"},
                                       {"milter_macro_defaults", "auth_type=none, j=mx"},
                                       {"milter_connect_macros", "j {daemon_name} _"},
                                       {"milter_macro_daemon_name", "inbound"}});
  auto s = load_settings(p, {"inet:127.0.0.1:1", "unix:/x"});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->milters.size(), 2u);
  EXPECT_EQ(s->default_action, DefaultAction::quarantine);
  EXPECT_EQ(s->version, 4u);
  EXPECT_EQ(s->macros[size_t(MacroStage::connect)], (std::vector<std::string>{"j", "{daemon_name}", "_"}));
  EXPECT_EQ(s->macros[size_t(MacroStage::mail)].front(), "i");
  EXPECT_EQ(s->macro_defaults, (Macros{{"{auth_type}", "none"}, {"j", "mx"}}));
  EXPECT_EQ(s->daemon_name, "inbound");
}

TEST(MilterSettings, HostsFileReadOnlyForNames) {
  tern::testing::TempDir dir;
  dir.write("hosts", "127.0.0.7 rspamd.local\n");
  auto p = tern::testing::test_params({});
  auto s = load_settings(p, {"inet:rspamd.local:11332"}, dir.file("hosts"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->milters[0].address.to_string(), "127.0.0.7");
  EXPECT_TRUE(load_settings(p, {"inet:127.0.0.1:1"}, dir.file("missing")));
  EXPECT_FALSE(load_settings(p, {"inet:other.local:1"}, dir.file("hosts")));
}

TEST(MilterSettings, Errors) {
  auto bad = [](std::vector<std::pair<std::string, std::string>> kv, config::List milters, std::string want) {
    auto s = load_settings(tern::testing::test_params(kv), milters);
    ASSERT_FALSE(s);
    EXPECT_NE(s.error().message.find(want), std::string::npos) << s.error().message;
  };
  bad({{"milter_default_action", "bounce"}}, {}, "milter_default_action");
  bad({{"milter_protocol", "7"}}, {}, "milter_protocol");
  bad({{"milter_protocol", "1"}}, {}, "milter_protocol");
  bad({{"milter_macro_defaults", "novalue"}}, {}, "milter_macro_defaults");
  bad({}, {"{ inet:127.0.0.1:1, default_action=accept }"}, "per-milter settings");
  bad({}, {"tcp:1.2.3.4:5"}, "smtpd_milters");
}

}  // namespace
}  // namespace tern::milter
