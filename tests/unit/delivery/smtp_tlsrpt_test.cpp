// TLS-RPT in the smtp client: which result type a failed handshake counts as, and which
// policy a session is reported under (TLSA records, an enforced STS policy, or none).
#include "delivery/smtp/tlsrpt.hpp"

#include <openssl/x509_vfy.h>

#include <gtest/gtest.h>

namespace tern::delivery::smtp {
namespace {

using tlsrpt::ResultType;

TlsPolicy at(TlsLevel l) {
  TlsPolicy p;
  p.level = l;
  return p;
}

TEST(SmtpTlsrpt, ClassifiesHandshakeOutcomes) {
  TlsResult r;
  r.handshake_failed = true;
  EXPECT_EQ(classify(r, at(TlsLevel::encrypt)), ResultType::validation_failure);
  r = {};
  r.verify_error = X509_V_ERR_CERT_HAS_EXPIRED;
  EXPECT_EQ(classify(r, at(TlsLevel::verify)), ResultType::certificate_expired);
  r.verify_error = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
  EXPECT_EQ(classify(r, at(TlsLevel::verify)), ResultType::certificate_not_trusted);
  r = {};
  r.trusted = true;
  EXPECT_EQ(classify(r, at(TlsLevel::verify)), ResultType::certificate_host_mismatch);
  TlsPolicy dane = at(TlsLevel::dane);
  dane.tlsa.push_back({3, 1, 1, std::string(32, '\x01')});
  EXPECT_EQ(classify(r, dane), ResultType::validation_failure);
}

TEST(SmtpTlsrpt, TestingModeReportsWhatEnforceWouldRefuse) {
  TlsNote ok{true, std::nullopt, false, "", "127.0.0.1", true, true, 0};
  EXPECT_EQ(testing_failure(ok, true), std::nullopt);
  EXPECT_EQ(testing_failure(ok, false), ResultType::validation_failure);  // an MX the policy does not name
  TlsNote nameless = ok;
  nameless.verified = false;
  EXPECT_EQ(testing_failure(nameless, true), ResultType::certificate_host_mismatch);
  TlsNote expired = nameless;
  expired.trusted = false;
  expired.verify_error = X509_V_ERR_CERT_HAS_EXPIRED;
  EXPECT_EQ(testing_failure(expired, true), ResultType::certificate_expired);
  expired.verify_error = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
  EXPECT_EQ(testing_failure(expired, true), ResultType::certificate_not_trusted);
  TlsNote no_tls{true, ResultType::starttls_not_supported};
  EXPECT_EQ(testing_failure(no_tls, true), ResultType::starttls_not_supported);
}

TEST(SmtpTlsrpt, ReportsThePolicyInForce) {
  sts::Policy sp{sts::Mode::enforce, {"mx.example.org", "*.example.net"}, std::chrono::seconds(86400)};
  auto p = report_policy(at(TlsLevel::verify), &sp, "mx.example.org");
  EXPECT_EQ(p.type, tlsrpt::PolicyType::sts);
  EXPECT_EQ(p.mx_host, sp.mx);
  ASSERT_FALSE(p.strings.empty());
  EXPECT_EQ(p.strings[0], "version: STSv1");
  EXPECT_NE(std::find(p.strings.begin(), p.strings.end(), "mode: enforce"), p.strings.end());

  TlsPolicy dane = at(TlsLevel::dane);
  dane.tlsa.push_back({3, 1, 1, std::string("\xab\xcd", 2)});
  p = report_policy(dane, &sp, "mx.example.org");  // DANE wins where both apply
  EXPECT_EQ(p.type, tlsrpt::PolicyType::tlsa);
  EXPECT_EQ(p.strings, std::vector<std::string>{"3 1 1 abcd"});
  EXPECT_EQ(p.mx_host, std::vector<std::string>{"mx.example.org"});

  p = report_policy(at(TlsLevel::may), nullptr, "mx.example.org");
  EXPECT_EQ(p.type, tlsrpt::PolicyType::no_policy_found);
  EXPECT_TRUE(p.strings.empty());
}

}  // namespace
}  // namespace tern::delivery::smtp
