// The control socket's request lines: what parses, what is refused, and round trips.
#include <gtest/gtest.h>

#include "base/queue_id.hpp"
#include "queue/control.hpp"

namespace tern::queue {
namespace {

TEST(Control, EncodeParseRoundTrip) {
  std::string id = make_queue_id(1763775245, 12345, 42, 7);
  for (ControlRequest r : {ControlRequest{ControlVerb::flush, ""}, ControlRequest{ControlVerb::pickup, ""},
                           ControlRequest{ControlVerb::rescan, ""},
                           ControlRequest{ControlVerb::flush_site, "example.org"},
                           ControlRequest{ControlVerb::flush_id, id},
                           ControlRequest{ControlVerb::verify, "bob@example.org"}}) {
    auto p = parse_control(encode_control(r));
    ASSERT_TRUE(p.ok()) << encode_control(r);
    EXPECT_EQ(p->verb, r.verb);
    EXPECT_EQ(p->arg, r.arg);
  }
  EXPECT_EQ(encode_control({ControlVerb::flush_site, "example.org"}), "TERN-CONTROL 1 flush-site example.org\n");
}

TEST(Control, RefusesMalformedRequests) {
  EXPECT_FALSE(parse_control("flush\n").ok());                          // no magic
  EXPECT_FALSE(parse_control("TERN-CONTROL 2 flush\n").ok());           // other version
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 \n").ok());                // empty
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 explode\n").ok());         // unknown verb
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 flush now\n").ok());       // extra argument
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 flush-site\n").ok());      // missing argument
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 flush-id ../../etc\n").ok());  // not a queue ID
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 flush-site a/b\n").ok());  // a path, not a site
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 flush-site " + std::string(300, 'x') + "\n").ok());
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 verify\n").ok());          // no address
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 verify a@b c@d\n").ok());  // two
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 verify a\x01@b\n").ok());  // control character
  EXPECT_FALSE(parse_control("TERN-CONTROL 1 verify " + std::string(600, 'x') + "\n").ok());
}

}  // namespace
}  // namespace tern::queue
