// config::load over a real directory: warnings, master.cf -o overrides, errors.
#include "config/config.hpp"

#include <gtest/gtest.h>

#include "../temp_dir.hpp"

namespace tern::config {
namespace {

using namespace std::chrono_literals;

class Load : public ::testing::Test {
 protected:
  testing::TempDir dir;
  Result<std::shared_ptr<const Config>> load_dir() { return load(LoadOptions{dir.path()}); }
};

TEST_F(Load, ReadsMainAndMasterIntoTypedSnapshots) {
  dir.write("main.cf", "myhostname = mx.example.test\nsmtpd_timeout = 60s\n");
  dir.write("master.cf",
            "# comment\n"
            "smtp inet n - n - - smtpd\n"
            "  -o smtpd_timeout=10s\n"
            "  -o { smtpd_banner = hello there }\n"
            "pickup unix n - n 60 1 pickup\n");
  auto cfg = load_dir();
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  const Config& c = **cfg;
  EXPECT_EQ(c.directory, dir.path());
  EXPECT_EQ(c.params.myhostname, "mx.example.test");
  EXPECT_EQ(c.params.smtpd_timeout, 60s);
  ASSERT_EQ(c.services.size(), 2u);
  EXPECT_EQ(c.services[0].entry.service, "smtp");
  EXPECT_EQ(c.services[0].params.smtpd_timeout, 10s);
  EXPECT_EQ(c.services[0].params.smtpd_banner, "hello there");
  EXPECT_EQ(c.services[0].params.myhostname, "mx.example.test");
  EXPECT_EQ(c.services[1].params.smtpd_timeout, 60s);
  EXPECT_EQ(c.services[1].params.smtpd_banner, "mx.example.test ESMTP Tern");
  EXPECT_TRUE(c.warnings.empty());
}

TEST_F(Load, WarnsAboutUnknownParametersWithFileAndLine) {
  dir.write("main.cf", "myhostname = mx.example.test\n\nno_such_thing = 1\n");
  dir.write("master.cf", "smtp inet n - n - - smtpd\n");
  auto cfg = load_dir();
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_EQ((*cfg)->warnings.size(), 1u);
  EXPECT_EQ((*cfg)->warnings[0], dir.file("main.cf") + ":3: unused parameter: no_such_thing=1");
}

TEST_F(Load, ParameterReferencedByAnotherIsNotWarnedAbout) {
  dir.write("main.cf", "my_domains = a.example b.example\nmydestination = localhost, $my_domains\n"
                       "my_banner_name = X\n");
  dir.write("master.cf", "smtp inet n - n - - smtpd -o smtpd_banner=${my_banner_name}\n");
  auto cfg = load_dir();
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_TRUE((*cfg)->warnings.empty()) << (*cfg)->warnings[0];
  EXPECT_EQ((*cfg)->params.mydestination, (List{"localhost", "a.example", "b.example"}));
  EXPECT_EQ((*cfg)->services[0].params.smtpd_banner, "X");
}

TEST_F(Load, PerTransportParametersOfAMasterCfServiceAreNotWarnedAbout) {
  dir.write("main.cf", "relay2_destination_concurrency_limit = 3\n");
  dir.write("master.cf", "relay2 unix - - n - - smtp\n");
  auto cfg = load_dir();
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_TRUE((*cfg)->warnings.empty());
}

TEST_F(Load, UnknownMasterCfOverrideIsWarnedAbout) {
  dir.write("main.cf", "");
  dir.write("master.cf", "\nsmtp inet n - n - - smtpd -o bogus_override=1\n");
  auto cfg = load_dir();
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  ASSERT_EQ((*cfg)->warnings.size(), 1u);
  EXPECT_EQ((*cfg)->warnings[0], dir.file("master.cf") + ":2: unused parameter: bogus_override=1");
}

TEST_F(Load, BadValueInOverrideNamesMasterCfLine) {
  dir.write("main.cf", "");
  dir.write("master.cf", "smtp inet n - n - - smtpd\nsub inet n - n - - smtpd -o smtpd_timeout=1x\n");
  auto cfg = load_dir();
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message, dir.file("master.cf") +
                                     ":2: bad smtpd_timeout value \"1x\": unknown time unit (use s, "
                                     "m, h, d or w)");
}

TEST_F(Load, MainCfSyntaxErrorNamesTheFile) {
  dir.write("main.cf", "a = 1\noops\n");
  dir.write("master.cf", "");
  auto cfg = load_dir();
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message,
            dir.file("main.cf") + ":2: syntax error: missing '=' after parameter name: \"oops\"");
}

TEST_F(Load, MissingMainCfIsAnError) {
  dir.write("master.cf", "");
  auto cfg = load_dir();
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.error().message.rfind("open ", 0), 0u) << cfg.error().message;
  EXPECT_NE(cfg.error().message.find("main.cf"), std::string::npos);
}

TEST_F(Load, MasterCfIsOptionalWhenNotRequested) {
  dir.write("main.cf", "myhostname = h.example\n");
  auto cfg = load(LoadOptions{dir.path(), false});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_TRUE((*cfg)->services.empty());
  EXPECT_FALSE(load_dir().ok());  // but required by default
}

TEST_F(Load, RawValueIsMainCfElseDefault) {
  dir.write("main.cf", "myorigin = $mydomain\n");
  dir.write("master.cf", "");
  auto cfg = load_dir();
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_EQ((*cfg)->raw_value("myorigin"), "$mydomain");
  EXPECT_EQ((*cfg)->raw_value("smtpd_timeout"), "300s");
  EXPECT_EQ((*cfg)->raw_value("config_directory"), dir.path());
  EXPECT_EQ((*cfg)->raw_value("not_a_parameter"), "");
}

TEST_F(Load, TheShippedExampleLoadsWithoutWarnings) {
  auto cfg = load(LoadOptions{std::string(TERN_SOURCE_DIR) + "/examples"});
  ASSERT_TRUE(cfg.ok()) << cfg.error().message;
  EXPECT_TRUE((*cfg)->warnings.empty());
  EXPECT_EQ((*cfg)->params.myorigin, "example.test");
  EXPECT_EQ((*cfg)->params.local_passwd_file, std::string(TERN_SOURCE_DIR) + "/examples/passwd");
}

TEST(ExpandValue, UsesMainCfThenDefaults) {
  RawParams main;
  main["myhostname"] = RawValue{"mx.example.test", "main.cf", 1};
  auto v = expand_value("$myhostname/$mail_name/${nope:x}", main, "/etc/tern");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "mx.example.test/Tern/x");
}

TEST(DefaultDirectory, FlagWinsAndIsMadeAbsolute) {
  EXPECT_EQ(default_directory("/srv/tern"), "/srv/tern");
  std::string rel = default_directory("conf");
  EXPECT_EQ(rel.front(), '/');
  EXPECT_EQ(rel.substr(rel.size() - 5), "/conf");
}

}  // namespace
}  // namespace tern::config
