// The parameter table itself, and build_params: typed conversion, units, bounds, lists.
#include "config/params.hpp"

#include <gtest/gtest.h>

#include <set>

#include "config/config.hpp"

namespace tern::config {
namespace {

using namespace std::chrono_literals;

TEST(ParamTable, EveryEntryHasAUniqueNameAndADescription) {
  std::set<std::string_view> names;
  ASSERT_GT(param_table().size(), 100u);
  for (const auto& p : param_table()) {
    EXPECT_FALSE(p.name.empty());
    EXPECT_FALSE(p.doc.empty()) << p.name;
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate parameter " << p.name;
  }
}

TEST(ParamTable, FindParamReturnsTheTableEntry) {
  const ParamSpec* s = find_param("smtpd_timeout");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->name, "smtpd_timeout");
  EXPECT_EQ(s->type, Type::Time);
  EXPECT_EQ(s->def, "300s");
  EXPECT_EQ(find_param("no_such_parameter"), nullptr);
}

TEST(ParamTable, BoolDefaultsAreYesOrNoAndTimeDefaultsCarryAUnit) {
  for (const auto& p : param_table()) {
    if (p.type == Type::Bool) {
      EXPECT_TRUE(p.def == "yes" || p.def == "no") << p.name;
    }
    if (p.type == Type::Time) {
      ASSERT_FALSE(p.def.empty()) << p.name;
      EXPECT_NE(std::string_view("smhdw").find(p.def.back()), std::string_view::npos) << p.name;
    }
  }
}

TEST(ParamTable, TypeNames) {
  EXPECT_EQ(type_name(Type::Str), "string");
  EXPECT_EQ(type_name(Type::Bool), "boolean");
  EXPECT_EQ(type_name(Type::Int), "integer");
  EXPECT_EQ(type_name(Type::Time), "time");
  EXPECT_EQ(type_name(Type::Size), "size");
  EXPECT_EQ(type_name(Type::List), "list");
}

TEST(ParamTable, PathParameters) {
  EXPECT_TRUE(is_path_param("local_passwd_file"));
  EXPECT_TRUE(is_path_param("queue_directory"));
  EXPECT_TRUE(is_path_param("smtpd_tls_CAfile"));
  EXPECT_FALSE(is_path_param("myhostname"));
  EXPECT_FALSE(is_path_param("allow_mail_to_files"));  // a list of alias, forward, include
}

// ---- build_params ----

RawParams raw(std::initializer_list<std::pair<const char*, const char*>> kv) {
  RawParams out;
  int line = 1;
  for (const auto& [k, v] : kv) out[k] = RawValue{v, "/etc/tern/main.cf", line++};
  return out;
}

Params build_ok(const RawParams& main, const RawParams& over = {}) {
  auto r = build_params(main, over, "/etc/tern");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Params{};
}

std::string build_err(const RawParams& main, const RawParams& over = {}) {
  auto r = build_params(main, over, "/etc/tern");
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(BuildParams, DefaultsAllConvert) {
  Params p = build_ok({});
  EXPECT_EQ(p.smtpd_timeout, 300s);
  EXPECT_EQ(p.maximal_queue_lifetime, std::chrono::seconds(5 * 86400));
  EXPECT_EQ(p.message_size_limit, 10240000);
  EXPECT_EQ(p.smtpd_hard_error_limit, 20);
  EXPECT_FALSE(p.soft_bounce);
  EXPECT_TRUE(p.smtpd_delay_reject);
  EXPECT_EQ(p.smtpd_relay_restrictions,
            (List{"permit_mynetworks", "permit_sasl_authenticated", "defer_unauth_destination"}));
}

TEST(BuildParams, DefaultsExpandReferences) {
  Params p = build_ok(raw({{"myhostname", "mx.example.test"}, {"mail_name", "Tern"}}));
  EXPECT_EQ(p.myorigin, "mx.example.test");
  EXPECT_EQ(p.mydomain, "example.test");
  EXPECT_EQ(p.smtpd_banner, "mx.example.test ESMTP Tern");
  EXPECT_EQ(p.mydestination, (List{"mx.example.test", "localhost.example.test", "localhost"}));
}

TEST(BuildParams, Booleans) {
  EXPECT_TRUE(build_ok(raw({{"soft_bounce", "yes"}})).soft_bounce);
  EXPECT_TRUE(build_ok(raw({{"soft_bounce", "YES"}})).soft_bounce);
  EXPECT_FALSE(build_ok(raw({{"biff", "no"}})).biff);
  EXPECT_EQ(build_err(raw({{"soft_bounce", "maybe"}})),
            "/etc/tern/main.cf:1: bad soft_bounce value \"maybe\": expected yes or no");
}

TEST(BuildParams, Integers) {
  EXPECT_EQ(build_ok(raw({{"smtpd_recipient_limit", "50"}})).smtpd_recipient_limit, 50);
  EXPECT_EQ(build_ok(raw({{"message_size_limit", "0"}})).message_size_limit, 0);
  EXPECT_EQ(build_err(raw({{"smtpd_recipient_limit", "many"}})),
            "/etc/tern/main.cf:1: bad smtpd_recipient_limit value \"many\": expected an integer");
  EXPECT_EQ(build_err(raw({{"smtpd_recipient_limit", "12k"}})),
            "/etc/tern/main.cf:1: bad smtpd_recipient_limit value \"12k\": expected an integer");
}

TEST(BuildParams, IntegerBoundsNameTheParameterAndLine) {
  EXPECT_EQ(build_err(raw({{"a_comment_line_holder", "x"}, {"smtpd_recipient_limit", "0"}})),
            "/etc/tern/main.cf:2: bad smtpd_recipient_limit value \"0\": must be at least 1");
  EXPECT_EQ(build_err(raw({{"delay_logging_resolution_limit", "7"}})),
            "/etc/tern/main.cf:1: bad delay_logging_resolution_limit value \"7\": must be at most 6");
  EXPECT_EQ(build_err(raw({{"reject_code", "250"}})),
            "/etc/tern/main.cf:1: bad reject_code value \"250\": must be at least 400");
}

TEST(BuildParams, TimeUnits) {
  EXPECT_EQ(build_ok(raw({{"smtpd_timeout", "45s"}})).smtpd_timeout, 45s);
  EXPECT_EQ(build_ok(raw({{"smtpd_timeout", "10m"}})).smtpd_timeout, 600s);
  EXPECT_EQ(build_ok(raw({{"smtpd_timeout", "2h"}})).smtpd_timeout, 7200s);
  EXPECT_EQ(build_ok(raw({{"maximal_queue_lifetime", "3d"}})).maximal_queue_lifetime, 259200s);
  EXPECT_EQ(build_ok(raw({{"maximal_queue_lifetime", "1w"}})).maximal_queue_lifetime, 604800s);
}

TEST(BuildParams, BareTimeNumberTakesTheDefaultsUnit) {
  EXPECT_EQ(build_ok(raw({{"smtpd_timeout", "60"}})).smtpd_timeout, 60s);  // default 300s
  EXPECT_EQ(build_ok(raw({{"maximal_queue_lifetime", "2"}})).maximal_queue_lifetime,
            172800s);  // default 5d
  EXPECT_EQ(build_ok(raw({{"delay_warning_time", "4"}})).delay_warning_time, 14400s);  // 0h
}

TEST(BuildParams, BadTimes) {
  EXPECT_EQ(build_err(raw({{"smtpd_timeout", "5x"}})),
            "/etc/tern/main.cf:1: bad smtpd_timeout value \"5x\": unknown time unit (use s, m, h, d or w)");
  EXPECT_EQ(build_err(raw({{"smtpd_timeout", "soon"}})),
            "/etc/tern/main.cf:1: bad smtpd_timeout value \"soon\": expected a time such as 300s, "
            "10m, 1h, 5d or 1w");
  EXPECT_EQ(build_err(raw({{"smtpd_timeout", ""}})),
            "/etc/tern/main.cf:1: bad smtpd_timeout value \"\": expected a time such as 300s, "
            "10m, 1h, 5d or 1w");
}

TEST(BuildParams, TimeBoundsAreCheckedInSeconds) {
  EXPECT_EQ(build_err(raw({{"queue_run_delay", "0s"}})),
            "/etc/tern/main.cf:1: bad queue_run_delay value \"0s\": must be at least 1");
  EXPECT_EQ(build_err(raw({{"maximal_queue_lifetime", "101d"}})),
            "/etc/tern/main.cf:1: bad maximal_queue_lifetime value \"101d\": must be at most 8640000");
  EXPECT_EQ(build_ok(raw({{"maximal_queue_lifetime", "100d"}})).maximal_queue_lifetime, 8640000s);
}

TEST(BuildParams, ListsSplitOnCommasAndWhitespaceKeepingBraceGroups) {
  Params p = build_ok(raw({{"mydestination", "a.example, b.example\tc.example,,{ d e }"},
                           {"alias_maps", "inline:{ postmaster=alice, root=alice }, static:bob"}}));
  EXPECT_EQ(p.mydestination, (List{"a.example", "b.example", "c.example", "d e"}));
  EXPECT_EQ(p.alias_maps, (List{"inline:{ postmaster=alice, root=alice }", "static:bob"}));
}

TEST(BuildParams, EmptyListIsEmpty) { EXPECT_TRUE(build_ok(raw({{"relay_domains", ""}})).relay_domains.empty()); }

TEST(BuildParams, ValuesAreExpandedBeforeConversion) {
  Params p = build_ok(raw({{"my_limit", "42"}, {"smtpd_recipient_limit", "$my_limit"}}));
  EXPECT_EQ(p.smtpd_recipient_limit, 42);
}

TEST(BuildParams, RelativePathsResolveAgainstTheConfigDirectory) {
  Params p = build_ok(raw({{"local_passwd_file", "passwd"}, {"queue_directory", "/var/q"}}));
  EXPECT_EQ(p.local_passwd_file, "/etc/tern/passwd");
  EXPECT_EQ(p.queue_directory, "/var/q");
}

TEST(BuildParams, OverridesWinOverMainAndNameTheirOwnLocation) {
  RawParams over;
  over["smtpd_timeout"] = RawValue{"10s", "/etc/tern/master.cf", 7};
  Params p = build_ok(raw({{"smtpd_timeout", "60s"}}), over);
  EXPECT_EQ(p.smtpd_timeout, 10s);
  over["smtpd_timeout"].value = "never";
  EXPECT_EQ(build_err(raw({{"smtpd_timeout", "60s"}}), over),
            "/etc/tern/master.cf:7: bad smtpd_timeout value \"never\": expected a time such as "
            "300s, 10m, 1h, 5d or 1w");
}

TEST(BuildParams, ExpansionErrorNamesParameterAndLocation) {
  EXPECT_EQ(build_err(raw({{"myorigin", "${myhostname"}})),
            "/etc/tern/main.cf:1: myorigin: missing '}' in \"${myhostname\"");
}

TEST(BuildParams, ExpansionLoopIsAnError) {
  auto e = build_err(raw({{"myhostname", "$myorigin"}, {"myorigin", "$myhostname"}}));
  EXPECT_NE(e.find("recursion loop"), std::string::npos) << e;
}

}  // namespace
}  // namespace tern::config
