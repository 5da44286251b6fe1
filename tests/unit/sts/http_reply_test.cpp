// The HTTP reply of a policy fetch: what is accepted, what waits for more bytes, and
// every refusal RFC 8461 §3.3 asks for (non-200, redirects, wrong media type, size).
#include "sts/http_reply.hpp"

#include <gtest/gtest.h>

namespace tern::sts {
namespace {

constexpr std::string_view kPolicy = "version: STSv1\r\nmode: enforce\r\nmx: a.example\r\nmax_age: 60\r\n";

std::string reply(std::string_view status, std::string_view headers, std::string_view body) {
  return std::string("HTTP/1.1 ") + std::string(status) + "\r\n" + std::string(headers) + "\r\n" +
         std::string(body);
}

TEST(StsHttp, Request) {
  EXPECT_EQ(policy_request("mta-sts.example.org"),
            "GET /.well-known/mta-sts.txt HTTP/1.0\r\nHost: mta-sts.example.org\r\n"
            "User-Agent: Tern MTA-STS\r\nAccept: text/plain\r\nConnection: close\r\n\r\n");
}

TEST(StsHttp, AcceptsWithLengthOrClose) {
  ReplyState st;
  auto full = reply("200 OK", "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + std::to_string(kPolicy.size()) + "\r\n", kPolicy);
  auto b = policy_body(full, false, 65536, &st);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(st, ReplyState::complete);
  EXPECT_EQ(*b, kPolicy);
  // Without Content-Length the body ends at close.
  auto open = reply("200 OK", "content-type: TEXT/PLAIN\r\n", kPolicy);
  b = policy_body(open, false, 65536, &st);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(st, ReplyState::incomplete);
  b = policy_body(open, true, 65536, &st);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(st, ReplyState::complete);
  EXPECT_EQ(*b, kPolicy);
  // A partial header or body waits for more.
  b = policy_body("HTTP/1.1 200 OK\r\nContent-Ty", false, 65536, &st);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(st, ReplyState::incomplete);
  b = policy_body(full.substr(0, full.size() - 5), false, 65536, &st);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(st, ReplyState::incomplete);
}

TEST(StsHttp, Refusals) {
  ReplyState st;
  EXPECT_FALSE(policy_body(reply("301 Moved", "Location: https://x/\r\nContent-Type: text/plain\r\n", ""), true, 65536, &st).ok());
  EXPECT_FALSE(policy_body(reply("404 Not Found", "Content-Type: text/plain\r\n", "no"), true, 65536, &st).ok());
  EXPECT_FALSE(policy_body(reply("200 OK", "Content-Type: text/html\r\n", kPolicy), true, 65536, &st).ok());
  EXPECT_FALSE(policy_body(reply("200 OK", "", kPolicy), true, 65536, &st).ok());  // no type
  EXPECT_FALSE(policy_body(reply("200 OK", "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n", "3\r\nabc\r\n0\r\n\r\n"), true, 65536, &st).ok());
  EXPECT_FALSE(policy_body(reply("200 OK", "Content-Type: text/plain\r\nContent-Length: 100000\r\n", kPolicy), false, 65536, &st).ok());
  EXPECT_FALSE(policy_body(reply("200 OK", "Content-Type: text/plain\r\n", kPolicy), true, 10, &st).ok());
  EXPECT_FALSE(policy_body(reply("200 OK", "Content-Type: text/plain\r\nContent-Length: 500\r\n", kPolicy), true, 65536, &st).ok());
  EXPECT_FALSE(policy_body(reply("200 OK", "Content-Type: text/plain\r\nContent-Length: x\r\n", kPolicy), true, 65536, &st).ok());
  EXPECT_FALSE(policy_body(reply("200 OK", "Content-Type: text/plain\r\nbroken header\r\n", kPolicy), true, 65536, &st).ok());
  EXPECT_FALSE(policy_body("SMTP 220 hello\r\n\r\n", true, 65536, &st).ok());
  EXPECT_FALSE(policy_body("HTTP/1.1 200 OK\r\n", true, 65536, &st).ok());  // closed in the header
}

}  // namespace
}  // namespace tern::sts
