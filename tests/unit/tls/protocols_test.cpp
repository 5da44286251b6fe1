// tls/protocols: Postfix's protocol lists (exclusions, names, >= / <= bounds) as OpenSSL
// version ranges, and unknown names as errors naming the parameter.
#include "tls/protocols.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

namespace tern::tls {
namespace {

ProtocolRange parse_ok(std::vector<std::string> items) {
  auto r = parse_protocols(items, "smtpd_tls_protocols");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ProtocolRange{};
}

std::string parse_err(std::vector<std::string> items) {
  auto r = parse_protocols(items, "smtpd_tls_mandatory_protocols");
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.error().message;
}

TEST(TlsProtocols, EmptyAllowsEverything) {
  EXPECT_EQ(parse_ok({}), (ProtocolRange{0, 0, 0}));
}

TEST(TlsProtocols, ExclusionsCommaSeparated) {
  // The list parameter arrives split at commas and spaces.
  EXPECT_EQ(parse_ok({"!SSLv2", "!SSLv3", "!TLSv1", "!TLSv1.1"}),
            (ProtocolRange{TLS1_2_VERSION, 0, 0}));
}

TEST(TlsProtocols, ExclusionsColonSeparated) {
  EXPECT_EQ(parse_ok({"!SSLv2:!SSLv3:!TLSv1"}), (ProtocolRange{TLS1_1_VERSION, 0, 0}));
}

TEST(TlsProtocols, ExcludingTheTopCapsTheMaximum) {
  EXPECT_EQ(parse_ok({"!SSLv2", "!SSLv3", "!TLSv1.3"}),
            (ProtocolRange{TLS1_VERSION, TLS1_2_VERSION, 0}));
}

TEST(TlsProtocols, HoleInTheMiddleBecomesAnOption) {
  EXPECT_EQ(parse_ok({"!SSLv2", "!SSLv3", "!TLSv1.1"}),
            (ProtocolRange{TLS1_VERSION, 0, SSL_OP_NO_TLSv1_1}));
}

TEST(TlsProtocols, AtLeast) {
  EXPECT_EQ(parse_ok({">=TLSv1.2"}), (ProtocolRange{TLS1_2_VERSION, 0, 0}));
  EXPECT_EQ(parse_ok({">=TLSv1"}), (ProtocolRange{TLS1_VERSION, 0, 0}));
  EXPECT_EQ(parse_ok({">=", "TLSv1.3"}), (ProtocolRange{TLS1_3_VERSION, 0, 0}));
}

TEST(TlsProtocols, AtMostAndBoth) {
  EXPECT_EQ(parse_ok({"<=TLSv1.2"}), (ProtocolRange{0, TLS1_2_VERSION, 0}));
  EXPECT_EQ(parse_ok({">=TLSv1.1", "<=TLSv1.2"}),
            (ProtocolRange{TLS1_1_VERSION, TLS1_2_VERSION, 0}));
}

TEST(TlsProtocols, BoundsMixWithExclusions) {
  EXPECT_EQ(parse_ok({">=TLSv1", "!TLSv1.1"}),
            (ProtocolRange{TLS1_VERSION, 0, SSL_OP_NO_TLSv1_1}));
}

TEST(TlsProtocols, PlainNamesAllowOnlyThose) {
  EXPECT_EQ(parse_ok({"TLSv1.2", "TLSv1.3"}), (ProtocolRange{TLS1_2_VERSION, 0, 0}));
  EXPECT_EQ(parse_ok({"TLSv1.2"}), (ProtocolRange{TLS1_2_VERSION, TLS1_2_VERSION, 0}));
}

TEST(TlsProtocols, NamesAreCaseInsensitive) {
  EXPECT_EQ(parse_ok({"!sslv2", "!SSLV3", "!tlsv1"}), (ProtocolRange{TLS1_1_VERSION, 0, 0}));
}

TEST(TlsProtocols, UnknownNameIsAnErrorNamingTheParameter) {
  std::string e = parse_err({"!SSLv2", "!TLSv1.4"});
  EXPECT_NE(e.find("smtpd_tls_mandatory_protocols"), std::string::npos) << e;
  EXPECT_NE(e.find("!TLSv1.4"), std::string::npos) << e;
  EXPECT_NE(parse_err({">=TLSv2"}).find(">=TLSv2"), std::string::npos);
  EXPECT_NE(parse_err({"<=foo"}).find("smtpd_tls_mandatory_protocols"), std::string::npos);
  EXPECT_NE(parse_err({"TLS1.2"}).find("TLS1.2"), std::string::npos);
}

TEST(TlsProtocols, ExcludingEverythingIsAnError) {
  std::string e = parse_err({">=TLSv1.3", "!TLSv1.3"});
  EXPECT_NE(e.find("smtpd_tls_mandatory_protocols"), std::string::npos) << e;
}

TEST(TlsProtocols, Names) {
  EXPECT_EQ(protocol_name(TLS1_3_VERSION), "TLSv1.3");
  EXPECT_EQ(protocol_name(TLS1_1_VERSION), "TLSv1.1");
  EXPECT_EQ(protocol_name(0), "");
}

}  // namespace
}  // namespace tern::tls
