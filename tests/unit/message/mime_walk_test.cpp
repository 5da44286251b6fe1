// The MIME walk: header classes, body lines and segments, boundaries, nesting, and
// malformed MIME (every byte still accounted for).
#include "message/mime_walk.hpp"

#include <gtest/gtest.h>

namespace tern::mime {
namespace {

struct Event {
  char kind;  // 'P' primary, 'M' mime, 'N' nested header; 'B' body line
  std::string text;
  size_t offset = 0;  // body: segment offset
  bool operator==(const Event&) const = default;
};

std::ostream& operator<<(std::ostream& o, const Event& e) { return o << e.kind << ":" << e.text << "@" << e.offset; }

class Recorder : public Visitor {
 public:
  std::vector<Event> events;
  std::vector<Span> spans;
  bool more = true;
  size_t stop_after = SIZE_MAX;

  bool header(HeaderClass cls, std::string_view text, Span where) override {
    char k = cls == HeaderClass::primary ? 'P' : cls == HeaderClass::mime ? 'M' : 'N';
    events.push_back({k, std::string(text)});
    spans.push_back(where);
    return events.size() < stop_after;
  }
  bool body_line(std::string_view text, Span where, size_t offset) override {
    events.push_back({'B', std::string(text), offset});
    spans.push_back(where);
    return events.size() < stop_after;
  }
  bool wants_more_than_primary() const override { return more; }
};

std::vector<Event> walk(std::string_view c, Limits l = {}) {
  Recorder r;
  walk_mime(c, l, r);
  return r.events;
}

// Every byte is in a visited span or is a blank line: concatenating the spans and the
// blank lines between them gives the content back.
void expect_covers(std::string_view c, Limits l = {}) {
  Recorder r;
  walk_mime(c, l, r);
  size_t pos = 0;
  for (const Span& s : r.spans) {
    ASSERT_LE(pos, s.begin);
    for (size_t i = pos; i < s.begin; ++i) EXPECT_TRUE(c[i] == '\n' || c[i] == '\r') << "byte " << i << " skipped";
    pos = s.end;
  }
  for (size_t i = pos; i < c.size(); ++i) EXPECT_TRUE(c[i] == '\n' || c[i] == '\r') << "byte " << i << " skipped";
}

TEST(ContentType, TypeSubtypeAndBoundary) {
  auto t = parse_content_type(" Multipart/Mixed; charset=x; boundary=\"a b\\\"c\"");
  EXPECT_EQ(t.type, "multipart");
  EXPECT_EQ(t.subtype, "mixed");
  EXPECT_EQ(t.boundary, "a b\"c");
  EXPECT_EQ(parse_content_type("multipart/alternative;\n\tboundary=tok.en").boundary, "tok.en");
  EXPECT_EQ(parse_content_type("(c) text (x) / (y) plain").subtype, "plain");
  EXPECT_EQ(parse_content_type("multipart/mixed; BOUNDARY = \"x\"").boundary, "x");
}

TEST(ContentType, MalformedGivesEmptyFields) {
  for (const char* v : {"", "text", "/plain", "text/", "(unclosed comment", "text/plain; boundary",
                        "multipart/mixed; boundary=\"unterminated", ";;;", "a/b; =x; boundary=y"}) {
    auto t = parse_content_type(v);
    if (!t.type.empty()) {
      EXPECT_FALSE(t.subtype.empty()) << v;
    }
  }
  EXPECT_EQ(parse_content_type("multipart/mixed; boundary=\"unterminated").boundary, "unterminated");
  EXPECT_EQ(parse_content_type("a/b; =x; boundary=y").boundary, "y");
  EXPECT_EQ(parse_content_type("a/b junk; boundary=y").boundary, "y");
  EXPECT_TRUE(parse_content_type("text/plain; boundary").boundary.empty());
}

TEST(HeaderLine, AsPostfixIsHeader) {
  EXPECT_TRUE(is_header_line("Subject: x"));
  EXPECT_TRUE(is_header_line("Subject : x"));
  EXPECT_TRUE(is_header_line("X-Empty:"));
  EXPECT_FALSE(is_header_line(": x"));
  EXPECT_FALSE(is_header_line(" Subject: x"));
  EXPECT_FALSE(is_header_line("Sub ject: x"));
  EXPECT_FALSE(is_header_line("no colon"));
  EXPECT_FALSE(is_header_line("Bad\x01: x"));
}

TEST(MimeWalk, PlainMessage) {
  EXPECT_EQ(walk("Subject: hi\nX-Long: a\n\tb\n\nline 1\n\nline 2"),
            (std::vector<Event>{{'P', "Subject: hi"}, {'P', "X-Long: a\n\tb"}, {'B', "line 1", 0}, {'B', "line 2", 8}}));
}

TEST(MimeWalk, MimeHeadersOfThePrimaryBlockAreMime) {
  EXPECT_EQ(walk("MIME-Version: 1.0\nContent-Type: text/plain\nContent-: x\nSubject: s\n\nb\n"),
            (std::vector<Event>{{'M', "MIME-Version: 1.0"}, {'M', "Content-Type: text/plain"},
                                {'P', "Content-: x"}, {'P', "Subject: s"}, {'B', "b", 0}}));
  Limits off;
  off.disabled = true;
  EXPECT_EQ(walk("Content-Type: multipart/mixed; boundary=b\n\n--b\nX: y\n\nz\n--b--\n", off),
            (std::vector<Event>{{'P', "Content-Type: multipart/mixed; boundary=b"}, {'B', "--b", 0},
                                {'B', "X: y", 4}, {'B', "z", 10}, {'B', "--b--", 12}}));
}

const char kMultipart[] =
    "Subject: s\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\n"
    "\n"
    "preamble\n"
    "--outer\n"
    "Content-Type: text/plain\n"
    "X-Part: p1\n"
    "\n"
    "part one\n"
    "--outer\n"
    "Content-Type: message/rfc822\n"
    "\n"
    "Subject: inner\n"
    "Content-Type: multipart/alternative; boundary=in\n"
    "\n"
    "--in\n"
    "\n"
    "alt\n"
    "--in--\n"
    "--outer--\n"
    "epilogue\n";

TEST(MimeWalk, PartHeadersAreMimeAttachedMessageHeadersAreNested) {
  EXPECT_EQ(walk(kMultipart),
            (std::vector<Event>{{'P', "Subject: s"},
                                {'M', "Content-Type: multipart/mixed; boundary=\"outer\""},
                                {'B', "preamble", 0},
                                {'B', "--outer", 0},
                                {'M', "Content-Type: text/plain"},
                                {'M', "X-Part: p1"},
                                {'B', "part one", 0},
                                {'B', "--outer", 0},
                                {'M', "Content-Type: message/rfc822"},
                                {'N', "Subject: inner"},
                                {'M', "Content-Type: multipart/alternative; boundary=in"},
                                {'B', "--in", 0},
                                {'B', "alt", 0},
                                {'B', "--in--", 0},
                                {'B', "--outer--", 0},
                                {'B', "epilogue", 0}}));
  expect_covers(kMultipart);
}

TEST(MimeWalk, EncodedAttachedMessageIsBody) {
  EXPECT_EQ(walk("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\nU3ViamVjdDogeA==\n"),
            (std::vector<Event>{{'M', "Content-Type: message/rfc822"}, {'M', "Content-Transfer-Encoding: base64"},
                                {'B', "U3ViamVjdDogeA==", 0}}));
}

TEST(MimeWalk, DigestPartsDefaultToAttachedMessages) {
  EXPECT_EQ(walk("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nbody\n--d--\n"),
            (std::vector<Event>{{'M', "Content-Type: multipart/digest; boundary=d"}, {'B', "--d", 0},
                                {'N', "Subject: one"}, {'B', "body", 0}, {'B', "--d--", 0}}));
}

TEST(MimeWalk, SegmentOffsetsRestartAtEachPart) {
  auto e = walk("Content-Type: multipart/mixed; boundary=b\n\n--b\n\naaaa\nbbbb\n--b\n\ncccc\n--b--\n");
  std::vector<size_t> offsets;
  for (const auto& ev : e)
    if (ev.kind == 'B') offsets.push_back(ev.offset);
  EXPECT_EQ(offsets, (std::vector<size_t>{0, 0, 5, 0, 0, 0}));
}

TEST(MimeWalk, MissingClosingBoundaryAndInnerLeftOpen) {
  std::string c =
      "Content-Type: multipart/mixed; boundary=o\n\n--o\nContent-Type: multipart/mixed; boundary=i\n\n"
      "--i\n\nx\n--o\nX-After: inner closed by outer\n\ny\n";
  EXPECT_EQ(walk(c), (std::vector<Event>{{'M', "Content-Type: multipart/mixed; boundary=o"}, {'B', "--o", 0},
                                          {'M', "Content-Type: multipart/mixed; boundary=i"}, {'B', "--i", 0},
                                          {'B', "x", 0}, {'B', "--o", 0}, {'M', "X-After: inner closed by outer"},
                                          {'B', "y", 0}}));
  expect_covers(c);
}

TEST(MimeWalk, BoundaryInsidePartHeadersEndsThem) {
  std::string c = "Content-Type: multipart/mixed; boundary=b\n\n--b\nX-A: 1\n--b\nX-B: 2\n\nz\n";
  EXPECT_EQ(walk(c), (std::vector<Event>{{'M', "Content-Type: multipart/mixed; boundary=b"}, {'B', "--b", 0},
                                          {'M', "X-A: 1"}, {'B', "--b", 0}, {'M', "X-B: 2"}, {'B', "z", 0}}));
  expect_covers(c);
}

TEST(MimeWalk, GarbageWhereHeadersBelongIsBody) {
  EXPECT_EQ(walk("Subject: a\nnot a header\nX: y\n\nb"),
            (std::vector<Event>{{'P', "Subject: a"}, {'B', "not a header", 0}, {'B', "X: y", 13}, {'B', "b", 19}}));
  EXPECT_EQ(walk(" leading continuation\nX: y\n"), (std::vector<Event>{{'B', " leading continuation", 0}, {'B', "X: y", 22}}));
  EXPECT_TRUE(walk("").empty());
  EXPECT_EQ(walk("\n\n\nbody"), (std::vector<Event>{{'B', "body", 2}}));
  for (const char* c : {"Subject: no newline", "Content-Type: multipart/x; boundary=\"\"\n\n--\n--\"\"\n",
                        "Content-Type: multipart/x; boundary=b\n\n--b", "Content-Type: message/rfc822\n\n",
                        "a\r\n\r\nb\r\n", "X: a\n \n\tb\n\n"})
    expect_covers(c);
}

TEST(MimeWalk, NestingLimitMakesDeeperPartsText) {
  std::string c = "Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\nSubject: deep\n\nb\n";
  Limits l;
  l.nesting = 1;
  EXPECT_EQ(walk(c, l), (std::vector<Event>{{'M', "Content-Type: message/rfc822"}, {'M', "Content-Type: message/rfc822"},
                                            {'B', "Subject: deep", 0}, {'B', "b", 15}}));
  std::string deep;
  for (int i = 0; i < 500; ++i) deep += "Content-Type: message/rfc822\n\n";
  deep += "x\n";
  expect_covers(deep);
}

TEST(MimeWalk, LongTextIsCutForMatchingOnly) {
  Limits l;
  l.header_text = 10;
  l.line_text = 4;
  Recorder r;
  walk_mime("Subject: 0123456789\n\nabcdefgh\n", l, r);
  ASSERT_EQ(r.events.size(), 2u);
  EXPECT_EQ(r.events[0].text, "Subject: 0");
  EXPECT_EQ(r.events[1].text, "abcd");
  EXPECT_EQ(r.spans[1].end - r.spans[1].begin, 9u);
}

TEST(MimeWalk, StopsWhenAskedAndAfterPrimaryHeadersWhenThatIsAll) {
  Recorder r;
  r.stop_after = 1;
  walk_mime("A: 1\nB: 2\n\nb\n", {}, r);
  EXPECT_EQ(r.events.size(), 1u);
  Recorder p;
  p.more = false;
  walk_mime("A: 1\nB: 2\n\nb\n", {}, p);
  EXPECT_EQ(p.events, (std::vector<Event>{{'P', "A: 1"}, {'P', "B: 2"}}));
}

}  // namespace
}  // namespace tern::mime
