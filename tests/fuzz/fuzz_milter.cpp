// The milter codec over arbitrary bytes from a "milter": PacketReader splits them (fed in
// two pieces), each packet goes through parse_optneg or parse_reply, and every reply that
// decodes is applied to a small message as a modification. Checks: a decoded REPLYCODE
// passes check_reply_code; edits never leave the header section unparseable.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "milter/edit.hpp"
#include "milter/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tern::milter;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  PacketReader reader(1 << 16);
  reader.feed(in.substr(0, size / 2));
  reader.feed(in.substr(size / 2));
  tern::Message m;
  m.envelope.recipients = {tern::Recipient{"a@example.test"}};
  m.content = "Received: from x\n\tby y\nSubject: s\n\nbody\n";
  std::vector<Reply> mods;
  while (auto p = reader.next()) {
    if (p->code == 'O') {
      (void)parse_optneg(p->payload);
      continue;
    }
    auto r = parse_reply(*p);
    if (!r) continue;
    if (r->code == ReplyCode::reply_code && !check_reply_code(r->text)) __builtin_trap();
    mods.push_back(std::move(*r));
  }
  (void)apply_modifications(mods, m, size % 2 == 0);
  auto parts = MessageParts::split(m.content);
  if (parts.join().size() > m.content.size() + 1) __builtin_trap();
  return 0;
}
