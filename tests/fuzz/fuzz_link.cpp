// The records between roles: FrameParser over arbitrary bytes, then decode_submit,
// decode_submit_reply, decode_verify_query and decode_verify_reply on every frame. A decoded record re-encodes to a frame that decodes
// to the same values (the receiver checks siblings as strictly as the network).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/wire.hpp"
#include "queue/link.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern;
  wire::FrameParser parser;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  // Feed in two pieces so frames split across reads are exercised.
  parser.feed(in.substr(0, size / 2));
  parser.feed(in.substr(size / 2));
  while (auto f = parser.next()) {
    if (auto s = queue::decode_submit(*f); s.ok()) {
      wire::FrameParser again;
      again.feed(queue::encode(*s));
      auto f2 = again.next();
      if (!f2) __builtin_trap();
      auto s2 = queue::decode_submit(*f2);
      if (!s2.ok() || s2->seq != s->seq || s2->message.content != s->message.content ||
          s2->message.envelope.recipients.size() != s->message.envelope.recipients.size())
        __builtin_trap();
    }
    if (auto q = queue::decode_verify_query(*f); q.ok()) {
      wire::FrameParser again;
      again.feed(queue::encode(*q));
      auto f2 = again.next();
      auto q2 = f2 ? queue::decode_verify_query(*f2) : tern::Result<queue::VerifyQuery>(tern::Error{"lost"});
      if (!q2.ok() || q2->seq != q->seq || q2->address != q->address) __builtin_trap();
    }
    if (auto v = queue::decode_verify_reply(*f); v.ok()) {
      wire::FrameParser again;
      again.feed(queue::encode(*v));
      auto f2 = again.next();
      auto v2 = f2 ? queue::decode_verify_reply(*f2) : tern::Result<queue::VerifyReply>(tern::Error{"lost"});
      if (!v2.ok() || v2->seq != v->seq || v2->status != v->status || v2->text != v->text) __builtin_trap();
    }
    if (auto r = queue::decode_submit_reply(*f); r.ok()) {
      wire::FrameParser again;
      again.feed(queue::encode(*r));
      auto f2 = again.next();
      if (!f2) __builtin_trap();
      auto r2 = queue::decode_submit_reply(*f2);
      if (!r2.ok() || r2->seq != r->seq || r2->queue_id != r->queue_id) __builtin_trap();
    }
  }
  return 0;
}
