// The privileged delivery helper's records (delivery/privileged_wire.hpp): FrameParser
// over arbitrary bytes, then decode_request and decode_reply on every frame. A decoded
// record re-encodes to a frame that decodes to the same values.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/wire.hpp"
#include "delivery/privileged_wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern;
  namespace pv = delivery::privileged;
  wire::FrameParser parser;
  parser.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  while (auto f = parser.next()) {
    if (auto q = pv::decode_request(*f, 1u << 20); q.ok()) {
      wire::FrameParser again;
      again.feed(pv::encode(*q));
      auto f2 = again.next();
      if (!f2) __builtin_trap();
      auto q2 = pv::decode_request(*f2, 1u << 20);
      if (!q2.ok() || q2->op != q->op || q2->uid != q->uid || q2->argv != q->argv || q2->content != q->content ||
          q2->path != q->path || q2->mbox.locks != q->mbox.locks || q2->maildirs.size() != q->maildirs.size())
        __builtin_trap();
    }
    if (auto r = pv::decode_reply(*f); r.ok()) {
      wire::FrameParser again;
      again.feed(pv::encode(*r));
      auto f2 = again.next();
      if (!f2) __builtin_trap();
      auto r2 = pv::decode_reply(*f2);
      if (!r2.ok() || r2->code != r->code || r2->text != r->text || r2->status != r->status ||
          r2->maildirs.size() != r->maildirs.size())
        __builtin_trap();
    }
  }
  return 0;
}
