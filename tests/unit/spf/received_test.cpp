// Received-SPF (RFC 7208 §9.1): result, comment, key-value pairs, quoting.
#include "spf/received.hpp"

#include <gtest/gtest.h>

namespace tern::spf {
namespace {

TEST(ReceivedSpf, PassLooksLikeTheRfcExample) {
  Query q = mail_from_query(*IpAddress::parse("192.0.2.1"), "myname@example.com", "foo.example.com");
  q.receiver = "mybox.example.org";
  Outcome o{Verdict::pass, "", "ip4:192.0.2.0/24", ""};
  EXPECT_EQ(received_spf(q, o, "myname@example.com"),
            "Received-SPF: pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as "
            "permitted sender)\n"
            "\tclient-ip=192.0.2.1;\n"
            "\tenvelope-from=\"myname@example.com\";\n"
            "\thelo=foo.example.com;\n"
            "\treceiver=mybox.example.org;\n"
            "\tidentity=mailfrom;\n"
            "\tmechanism=\"ip4:192.0.2.0/24\"\n");
}

TEST(ReceivedSpf, EachResultHasItsComment) {
  Query q = mail_from_query(*IpAddress::parse("2001:db8::1"), "a@example.com", "h.example");
  q.receiver = "mx.example.net";
  auto comment = [&](Verdict v) { return received_spf_comment(q, Outcome{v, "", "", ""}); };
  EXPECT_EQ(comment(Verdict::fail), "mx.example.net: domain of a@example.com does not designate 2001:db8::1 as permitted sender");
  EXPECT_EQ(comment(Verdict::softfail),
            "mx.example.net: domain of transitioning a@example.com does not designate 2001:db8::1 as permitted sender");
  EXPECT_EQ(comment(Verdict::neutral), "mx.example.net: 2001:db8::1 is neither permitted nor denied by domain of a@example.com");
  EXPECT_EQ(comment(Verdict::none), "mx.example.net: domain of a@example.com does not provide an SPF record");
  EXPECT_NE(comment(Verdict::temperror).find("error"), std::string::npos);
  EXPECT_NE(comment(Verdict::permerror).find("permanent error"), std::string::npos);
}

TEST(ReceivedSpf, UntrustedValuesAreQuotedAndMadePrintable) {
  Query q = helo_query(*IpAddress::parse("192.0.2.1"), "bad\"helo (x)");
  Outcome o{Verdict::permerror, "", "", "SPF record of x: unknown mechanism \"moo\""};
  std::string h = received_spf(q, o, "");
  EXPECT_NE(h.find("envelope-from=\"<>\";"), std::string::npos) << h;
  EXPECT_NE(h.find("helo=\"bad\\\"helo (x)\";"), std::string::npos) << h;
  EXPECT_NE(h.find("identity=helo;"), std::string::npos) << h;
  EXPECT_NE(h.find("problem=\"SPF record of x: unknown mechanism \\\"moo\\\"\"\n"), std::string::npos) << h;
  // The comment has no parentheses of its own from the HELO text.
  std::string first = h.substr(0, h.find('\n'));
  EXPECT_EQ(std::count(first.begin(), first.end(), '('), 1) << first;
}

}  // namespace
}  // namespace tern::spf
