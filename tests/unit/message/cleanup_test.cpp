// Cleanup: Message-Id and Date added only when asked and only when missing, in the header.
#include "message/cleanup.hpp"

#include <gtest/gtest.h>

#include "base/time.hpp"

namespace tern {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

Headers headers_of(std::string_view content, size_t* end = nullptr) {
  Headers out;
  size_t e = for_each_header(content, [&](std::string_view n, std::string_view v) {
    out.emplace_back(n, v);
  });
  if (end) *end = e;
  return out;
}

Message message(std::string content) {
  Message m;
  m.envelope.queue_id = "4Yg3Nf0x5WzKz1";
  m.envelope.arrival = 1763775245.5;  // 2025-11-22 01:34:05 UTC
  m.content = std::move(content);
  return m;
}

const CleanupOptions kAdd{true, "mx.example.test"};

TEST(ForEachHeader, ReadsHeadersUntilTheBlankLine) {
  size_t end = 0;
  std::string c = "Subject: hi\nFrom: a@b\n\nBody: not a header\n";
  EXPECT_EQ(headers_of(c, &end), (Headers{{"Subject", "hi"}, {"From", "a@b"}}));
  EXPECT_EQ(end, c.find("\n\n") + 1);
}

TEST(ForEachHeader, FoldedHeadersKeepTheirContinuationLines) {
  std::string c = "Subject: a long\n  subject\n\tline\nX-Empty:\nX-Tab:\tv\n\nbody\n";
  EXPECT_EQ(headers_of(c), (Headers{{"Subject", "a long\n  subject\n\tline"}, {"X-Empty", ""},
                                    {"X-Tab", "v"}}));
}

TEST(ForEachHeader, StopsAtALineThatIsNotAHeader) {
  size_t end = 99;
  EXPECT_EQ(headers_of("Subject: x\nthis is body text\nX: y\n", &end), (Headers{{"Subject", "x"}}));
  EXPECT_EQ(end, 11u);
}

TEST(ForEachHeader, HeadersOnlyEndsAtTheEndOfContent) {
  size_t end = 0;
  std::string c = "Subject: x\nFrom: y";
  EXPECT_EQ(headers_of(c, &end), (Headers{{"Subject", "x"}, {"From", "y"}}));
  EXPECT_EQ(end, c.size());
}

TEST(ForEachHeader, EmptyContent) {
  size_t end = 7;
  EXPECT_TRUE(headers_of("", &end).empty());
  EXPECT_EQ(end, 0u);
}

TEST(Cleanup, LeavesContentAloneWhenNotAsked) {
  Message m = message("Subject: x\n\nbody\n");
  CleanupResult r = cleanup(m, CleanupOptions{false, "mx.example.test"});
  EXPECT_EQ(m.content, "Subject: x\n\nbody\n");
  EXPECT_EQ(r.message_id, "");
}

TEST(Cleanup, ReportsAnExistingMessageIdEvenWhenNotAdding) {
  Message m = message("message-id:   <abc@client.example>  \n\nbody\n");
  EXPECT_EQ(cleanup(m, CleanupOptions{false, "mx"}).message_id, "<abc@client.example>");
}

TEST(Cleanup, AddsMessageIdAndDateBeforeTheBlankLine) {
  Message m = message("Subject: x\n\nbody\n");
  CleanupResult r = cleanup(m, kAdd);
  EXPECT_EQ(r.message_id, "<20251122013405.4Yg3Nf0x5WzKz1@mx.example.test>");
  EXPECT_EQ(m.content, "Subject: x\nMessage-Id: <20251122013405.4Yg3Nf0x5WzKz1@mx.example.test>\n"
                       "Date: " + rfc5322_date(1763775245) + "\n\nbody\n");
}

TEST(Cleanup, KeepsExistingHeaders) {
  std::string c = "Date: Sat, 22 Nov 2025 01:00:00 +0000\nMessage-ID: <orig@x>\n\nbody\n";
  Message m = message(c);
  CleanupResult r = cleanup(m, kAdd);
  EXPECT_EQ(m.content, c);
  EXPECT_EQ(r.message_id, "<orig@x>");
}

TEST(Cleanup, AddsOnlyTheMissingOne) {
  Message m = message("Message-ID: <orig@x>\n\nbody\n");
  cleanup(m, kAdd);
  EXPECT_EQ(m.content, "Message-ID: <orig@x>\nDate: " + rfc5322_date(1763775245) + "\n\nbody\n");
  Message d = message("DATE: whenever\n\nbody\n");
  cleanup(d, kAdd);
  EXPECT_EQ(d.content, "DATE: whenever\nMessage-Id: <20251122013405.4Yg3Nf0x5WzKz1@mx.example.test>\n\nbody\n");
}

TEST(Cleanup, AHeaderNamedInTheBodyDoesNotCount) {
  Message m = message("Subject: x\n\nMessage-ID: <fake@body>\n");
  CleanupResult r = cleanup(m, kAdd);
  EXPECT_EQ(r.message_id, "<20251122013405.4Yg3Nf0x5WzKz1@mx.example.test>");
  EXPECT_EQ(m.content.find("Message-Id: <2025"), std::string("Subject: x\n").size());
}

TEST(Cleanup, BodyWithoutHeadersGetsHeadersOnTop) {
  Message m = message("just text\n");
  cleanup(m, kAdd);
  EXPECT_EQ(m.content.rfind("Message-Id: <20251122013405.", 0), 0u);
  EXPECT_EQ(m.content.substr(m.content.size() - 10), "just text\n");
}

}  // namespace
}  // namespace tern
