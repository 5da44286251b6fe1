// RFC 3464 notices built by make_dsn(), parsed back: the multipart/report with its three
// parts, the per-message and per-recipient delivery-status fields, RET=HDRS (headers
// only), ENVID and ORCPT.
#include "queue/dsn.hpp"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "base/strings.hpp"
#include "base/time.hpp"

namespace tern::queue {
namespace {

// ---- a small MIME reader for the tests ------------------------------------------------

using Fields = std::vector<std::pair<std::string, std::string>>;  // lower-case name, value

struct Entity {
  Fields headers;
  std::string body;

  std::string get(const std::string& name) const {
    for (const auto& [n, v] : headers)
      if (n == name) return v;
    return "";
  }
  size_t count(const std::string& name) const {
    size_t n = 0;
    for (const auto& h : headers) n += h.first == name;
    return n;
  }
};

std::string lower_ascii(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Header fields (unfolded) up to the blank line; the rest is the body. A text without a
// blank line is all headers.
Entity parse_entity(const std::string& text) {
  Entity e;
  size_t pos = 0;
  while (pos < text.size() && text[pos] != '\n') {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if ((line[0] == ' ' || line[0] == '\t') && !e.headers.empty()) {
      e.headers.back().second += " " + std::string(trim(line));
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string::npos) {
      ADD_FAILURE() << "not a header line: " << line;
      continue;
    }
    e.headers.emplace_back(lower_ascii(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
  }
  if (pos < text.size()) e.body = text.substr(pos + 1);
  return e;
}

// Field groups of a message/delivery-status body, separated by blank lines.
std::vector<Entity> field_groups(const std::string& body) {
  std::vector<Entity> groups;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) groups.push_back(parse_entity(cur));
    cur.clear();
  };
  size_t pos = 0;
  while (pos < body.size()) {
    size_t eol = body.find('\n', pos);
    if (eol == std::string::npos) eol = body.size();
    std::string line = body.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) flush();
    else cur += line + "\n";
  }
  flush();
  return groups;
}

struct Report {
  Entity top;
  std::string boundary;
  std::string preamble;
  std::vector<Entity> parts;
  std::string epilogue;
  bool closed = false;
};

Report parse_report(const std::string& content) {
  Report r;
  r.top = parse_entity(content);
  std::smatch m;
  std::string ct = r.top.get("content-type");
  if (!std::regex_search(ct, m, std::regex("boundary=\"([^\"]+)\""))) {
    ADD_FAILURE() << "no boundary in Content-Type: " << ct;
    return r;
  }
  r.boundary = m[1];
  const std::string& body = r.top.body;
  std::string delim = "--" + r.boundary;
  std::vector<size_t> starts;
  size_t pos = 0;
  // Delimiter lines start a line: at the body's start or after "\n".
  while ((pos = body.find(delim, pos)) != std::string::npos) {
    if (pos == 0 || body[pos - 1] == '\n') starts.push_back(pos);
    pos += delim.size();
  }
  if (starts.empty()) return r;
  r.preamble = body.substr(0, starts[0]);
  for (size_t i = 0; i < starts.size(); ++i) {
    size_t line_end = body.find('\n', starts[i]);
    std::string line = body.substr(starts[i], line_end - starts[i]);
    if (line == delim + "--") {
      r.closed = true;
      r.epilogue = body.substr(line_end + 1);
      break;
    }
    EXPECT_EQ(line, delim);
    size_t end = i + 1 < starts.size() ? starts[i + 1] : body.size();
    // The line break before the next delimiter belongs to the delimiter (RFC 2046).
    std::string text = body.substr(line_end + 1, end - line_end - 1);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    r.parts.push_back(parse_entity(text));
  }
  return r;
}

// ---- fixtures ------------------------------------------------------------------------

constexpr double kArrival = 1763775245.5;
constexpr double kNow = 1763778845.25;

Message original(bool with_envid = true) {
  Message m;
  m.envelope.queue_id = "4Yg3Nf0x5WzKJbQ";
  m.envelope.sender = "alice@example.test";
  m.envelope.arrival = kArrival;
  if (with_envid) m.envelope.envid = "QQ314159";
  m.envelope.recipients = {Recipient{"user@remote.test", "rfc822;orig@remote.test"},
                           Recipient{"other@remote.test"}};
  m.content =
      "Received: from client.test (unknown [127.0.0.1])\n"
      "\tby mail.example.test (Tern) with ESMTP id 4Yg3Nf0x5WzKJbQ;\n"
      "\tSun, 22 Nov 2026 01:34:05 +0000 (UTC)\n"
      "From: <alice@example.test>\n"
      "To: <user@remote.test>\n"
      "Subject: the original\n"
      "\n"
      "The body, line one.\n"
      "The body, line two.\n";
  return m;
}

std::vector<DsnRecipient> two_rcpts() {
  return {{"user@remote.test", "rfc822;orig@remote.test", "4.4.7", "X-Tern; connection timed out",
           "dns; mx.remote.test", "connection timed out"},
          {"other@remote.test", "", "5.1.1", "smtp; 550 5.1.1 no such user", "", "no such user"}};
}

DsnOptions options(bool headers_only = false) {
  DsnOptions o;
  o.myhostname = "mail.example.test";
  o.mail_name = "Tern";
  o.queue_id = "4Yg3Nf1NEWIDBCD";
  o.to = "alice@example.test";
  o.headers_only = headers_only;
  o.now = kNow;
  return o;
}

// ---- the notice as a whole -------------------------------------------------------------

TEST(Dsn, FailureIsAMultipartReportWithThreeParts) {
  Message orig = original();
  Message n = make_dsn(DsnKind::failure, orig, two_rcpts(), options());
  // Envelope: from <> to the notice recipient, with the new queue ID.
  EXPECT_EQ(n.envelope.sender, "");
  EXPECT_EQ(n.envelope.queue_id, "4Yg3Nf1NEWIDBCD");
  ASSERT_EQ(n.envelope.recipients.size(), 1u);
  EXPECT_EQ(n.envelope.recipients[0].address, "alice@example.test");
  EXPECT_EQ(n.envelope.recipients[0].state, RcptState::pending);
  EXPECT_EQ(n.envelope.arrival, kNow);

  Report r = parse_report(n.content);
  EXPECT_EQ(r.top.get("from"), "MAILER-DAEMON@mail.example.test (Mail Delivery System)");
  EXPECT_EQ(r.top.get("subject"), "Undelivered Mail Returned to Sender");
  EXPECT_EQ(r.top.get("to"), "alice@example.test");
  EXPECT_EQ(r.top.get("auto-submitted"), "auto-replied");
  EXPECT_EQ(r.top.get("mime-version"), "1.0");
  EXPECT_EQ(r.top.get("date"), rfc5322_date(std::time_t(kNow)));
  EXPECT_EQ(r.top.count("message-id"), 1u);
  EXPECT_NE(r.top.get("message-id").find("@mail.example.test>"), std::string::npos);
  std::string ct = r.top.get("content-type");
  EXPECT_TRUE(ct.starts_with("multipart/report;")) << ct;
  EXPECT_NE(ct.find("report-type=delivery-status"), std::string::npos) << ct;
  ASSERT_TRUE(r.closed) << n.content;
  ASSERT_EQ(r.parts.size(), 3u) << n.content;

  // 1: for people.
  EXPECT_TRUE(r.parts[0].get("content-type").starts_with("text/plain")) << r.parts[0].get("content-type");
  EXPECT_NE(r.parts[0].body.find("mail.example.test"), std::string::npos);
  EXPECT_NE(r.parts[0].body.find("<user@remote.test>: connection timed out\n"), std::string::npos)
      << r.parts[0].body;
  EXPECT_NE(r.parts[0].body.find("<other@remote.test>: no such user\n"), std::string::npos) << r.parts[0].body;

  // 2: for programs.
  EXPECT_EQ(r.parts[1].get("content-type"), "message/delivery-status");
  auto groups = field_groups(r.parts[1].body);
  ASSERT_EQ(groups.size(), 3u) << r.parts[1].body;
  const Entity& msg = groups[0];
  EXPECT_EQ(msg.get("reporting-mta"), "dns; mail.example.test");
  EXPECT_EQ(msg.get("original-envelope-id"), "QQ314159");
  EXPECT_EQ(msg.get("arrival-date"), rfc5322_date(std::time_t(kArrival)));
  EXPECT_EQ(msg.count("final-recipient"), 0u);

  const Entity& a = groups[1];
  EXPECT_EQ(a.get("original-recipient"), "rfc822;orig@remote.test");
  EXPECT_EQ(a.get("final-recipient"), "rfc822; user@remote.test");
  EXPECT_EQ(a.get("action"), "failed");
  EXPECT_EQ(a.get("status"), "4.4.7");
  EXPECT_EQ(a.get("remote-mta"), "dns; mx.remote.test");
  EXPECT_EQ(a.get("diagnostic-code"), "X-Tern; connection timed out");
  EXPECT_EQ(a.count("last-attempt-date"), 0u);

  const Entity& b = groups[2];
  EXPECT_EQ(b.count("original-recipient"), 0u);
  EXPECT_EQ(b.get("final-recipient"), "rfc822; other@remote.test");
  EXPECT_EQ(b.get("action"), "failed");
  EXPECT_EQ(b.get("status"), "5.1.1");
  EXPECT_EQ(b.count("remote-mta"), 0u);
  EXPECT_EQ(b.get("diagnostic-code"), "smtp; 550 5.1.1 no such user");

  // 3: the whole message, byte for byte.
  EXPECT_EQ(r.parts[2].get("content-type"), "message/rfc822");
  EXPECT_EQ(r.parts[2].body, orig.content);
}

TEST(Dsn, BoundaryDoesNotOccurInsideTheParts) {
  Message n = make_dsn(DsnKind::failure, original(), two_rcpts(), options());
  Report r = parse_report(n.content);
  ASSERT_EQ(r.parts.size(), 3u);
  for (const auto& p : r.parts) EXPECT_EQ(p.body.find(r.boundary), std::string::npos);
  EXPECT_EQ(r.epilogue, "");
}

TEST(Dsn, RetHdrsReturnsOnlyTheHeaders) {
  Message orig = original();
  Message n = make_dsn(DsnKind::failure, orig, two_rcpts(), options(true));
  Report r = parse_report(n.content);
  ASSERT_EQ(r.parts.size(), 3u) << n.content;
  EXPECT_EQ(r.parts[2].get("content-type"), "text/rfc822-headers");
  Entity returned = parse_entity(r.parts[2].body);
  EXPECT_EQ(returned.get("subject"), "the original");
  EXPECT_EQ(returned.get("from"), "<alice@example.test>");
  EXPECT_EQ(returned.count("received"), 1u);
  EXPECT_EQ(n.content.find("The body, line one."), std::string::npos) << n.content;
  EXPECT_EQ(n.content.find("The body, line two."), std::string::npos);
}

TEST(Dsn, NoEnvidNoOriginalEnvelopeId) {
  Message n = make_dsn(DsnKind::failure, original(false), two_rcpts(), options());
  Report r = parse_report(n.content);
  ASSERT_EQ(r.parts.size(), 3u);
  auto groups = field_groups(r.parts[1].body);
  ASSERT_FALSE(groups.empty());
  EXPECT_EQ(groups[0].count("original-envelope-id"), 0u);
  EXPECT_EQ(n.content.find("Original-Envelope-Id"), std::string::npos);
}

TEST(Dsn, DelayNoticeSaysDelayedWithLastAttemptAndHeadersOnly) {
  Message orig = original();
  auto rcpts = two_rcpts();
  rcpts.resize(1);
  Message n = make_dsn(DsnKind::delay, orig, rcpts, options());
  Report r = parse_report(n.content);
  EXPECT_EQ(r.top.get("subject"), "Delayed Mail (still being retried)");
  ASSERT_EQ(r.parts.size(), 3u);
  auto groups = field_groups(r.parts[1].body);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[1].get("action"), "delayed");
  EXPECT_EQ(groups[1].get("status"), "4.4.7");
  EXPECT_EQ(groups[1].get("last-attempt-date"), rfc5322_date(std::time_t(kNow)));
  EXPECT_EQ(r.parts[2].get("content-type"), "text/rfc822-headers");
  EXPECT_EQ(n.content.find("The body, line one."), std::string::npos);
  EXPECT_NE(r.parts[0].body.find("only a warning"), std::string::npos) << r.parts[0].body;
}

TEST(Dsn, SuccessNoticeSaysDelivered) {
  Message orig = original();
  std::vector<DsnRecipient> rcpts = {{"user@remote.test", "", "2.0.0", "X-Tern; delivered", "", ""}};
  Message n = make_dsn(DsnKind::success, orig, rcpts, options());
  Report r = parse_report(n.content);
  EXPECT_EQ(r.top.get("subject"), "Successful Mail Delivery Report");
  ASSERT_EQ(r.parts.size(), 3u);
  auto groups = field_groups(r.parts[1].body);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[1].get("action"), "delivered");
  EXPECT_EQ(groups[1].get("status"), "2.0.0");
  EXPECT_EQ(groups[1].get("final-recipient"), "rfc822; user@remote.test");
  EXPECT_EQ(groups[1].count("last-attempt-date"), 0u);
  // The human part falls back to the diagnostic when there is no short reason.
  EXPECT_NE(r.parts[0].body.find("<user@remote.test>: X-Tern; delivered\n"), std::string::npos) << r.parts[0].body;
  EXPECT_EQ(r.parts[2].get("content-type"), "text/rfc822-headers");
}

TEST(Dsn, OriginalWithoutFinalNewlineStillClosesTheReport) {
  Message orig = original();
  orig.content = "Subject: no newline at the end\n\nlast line";
  Message n = make_dsn(DsnKind::failure, orig, two_rcpts(), options());
  Report r = parse_report(n.content);
  ASSERT_TRUE(r.closed) << n.content;
  ASSERT_EQ(r.parts.size(), 3u);
  EXPECT_EQ(r.parts[2].body, "Subject: no newline at the end\n\nlast line\n");
}

TEST(Dsn, HeadersOnlyOfAMessageWithoutBody) {
  Message orig = original();
  orig.content = "Subject: only headers\nX-A: 1\n";
  Message n = make_dsn(DsnKind::failure, orig, two_rcpts(), options(true));
  Report r = parse_report(n.content);
  ASSERT_TRUE(r.closed) << n.content;
  ASSERT_EQ(r.parts.size(), 3u);
  Entity returned = parse_entity(r.parts[2].body);
  EXPECT_EQ(returned.get("subject"), "only headers");
  EXPECT_EQ(returned.get("x-a"), "1");
}

TEST(HeaderSection, StopsAtTheBlankLineAndKeepsFoldedHeaders) {
  std::string h = header_section("A: 1\nB: two\n\tfolded\n\nbody\n");
  EXPECT_TRUE(h.starts_with("A: 1\nB: two\n\tfolded\n")) << h;
  EXPECT_EQ(h.find("body"), std::string::npos);
  EXPECT_EQ(h.back(), '\n');
}

TEST(HeaderSection, EndsWithANewlineEvenWhenTheContentDoesNot) {
  EXPECT_EQ(header_section("A: 1"), "A: 1\n");
}

}  // namespace
}  // namespace tern::queue
