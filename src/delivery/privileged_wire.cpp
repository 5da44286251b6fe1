// Privileged helper records; see privileged_wire.hpp.
#include "delivery/privileged_wire.hpp"

#include <algorithm>

namespace tern::delivery::privileged {

namespace {

constexpr uint32_t kMaxList = 4096;  // argv/env entries, lock methods

void put_list(wire::Writer& w, const std::vector<std::string>& v) {
  w.u32(uint32_t(v.size()));
  for (const auto& s : v) w.str(s);
}

bool get_list(wire::Reader& r, std::vector<std::string>& out) {
  uint32_t n = r.u32();
  if (!r.ok() || n > kMaxList) return false;
  for (uint32_t i = 0; i < n && r.ok(); ++i) out.push_back(r.str());
  return r.ok();
}

bool valid_op(uint8_t v) { return v >= uint8_t(Op::maildir) && v <= uint8_t(Op::maildirs); }
bool valid_purpose(uint8_t v) { return v >= uint8_t(Purpose::local) && v <= uint8_t(Purpose::pipe); }

// Each operation needs its own fields; anything else is a broken sender.
bool complete(const Request& r) {
  switch (r.op) {
    case Op::maildir: return !r.path.empty() && !r.unique.empty();
    case Op::mbox: return !r.path.empty() && !r.mbox.locks.empty();
    case Op::command:
    case Op::pipe: return !r.argv.empty() && !r.argv[0].empty() && r.time_limit > 0;
    case Op::read_file: return !r.path.empty();
    case Op::maildirs:
      return !r.maildirs.empty() && std::all_of(r.maildirs.begin(), r.maildirs.end(), [](const MaildirItem& m) {
        return !m.path.empty() && !m.unique.empty();
      });
  }
  return false;
}

}  // namespace

std::optional<std::string> refusal(const Request& r, long long minimum_virtual_uid) {
  long long floor = r.purpose == Purpose::virtual_mailbox ? std::max(1LL, minimum_virtual_uid) : 1;
  if (r.uid != 0 && r.gid != 0 && (long long)r.uid >= floor) return std::nullopt;
  const char* what = r.purpose == Purpose::virtual_mailbox ? "virtual" : r.purpose == Purpose::pipe ? "pipe" : "local";
  return "the privileged delivery helper refuses uid " + std::to_string(r.uid) + " gid " + std::to_string(r.gid) +
         " for " + what + " delivery" +
         (r.purpose == Purpose::virtual_mailbox && r.uid != 0 && r.gid != 0
              ? " (virtual_minimum_uid is " + std::to_string(minimum_virtual_uid) + ")" : "");
}

std::string encode(const Request& r) {
  wire::Writer w;
  w.u8(uint8_t(r.op));
  w.u8(uint8_t(r.purpose));
  w.u32(r.uid);
  w.u32(r.gid);
  w.str(r.path);
  w.str(r.unique);
  w.str(r.prefix);
  w.str(r.content);
  w.u32(uint32_t(r.mbox.locks.size()));
  for (auto m : r.mbox.locks) w.u8(uint8_t(m));
  w.u64(uint64_t(r.mbox.size_limit));
  w.u32(uint32_t(r.mbox.lock_attempts));
  w.f64(r.mbox.lock_delay);
  w.f64(r.mbox.stale_lock);
  put_list(w, r.argv);
  put_list(w, r.env);
  w.str(r.cwd);
  w.f64(r.time_limit);
  w.u64(r.output_limit);
  w.u32(uint32_t(r.maildirs.size()));
  for (const auto& m : r.maildirs) {
    w.str(m.path);
    w.str(m.unique);
    w.str(m.prefix);
    w.str(m.content);
  }
  return w.frame(kRequestType, kVersion);
}

Result<Request> decode_request(const wire::Frame& f, uint64_t max_content) {
  if (f.type != kRequestType || f.version != kVersion) return Error{"not a privileged request record"};
  wire::Reader r(f.payload);
  Request q;
  uint8_t op = r.u8(), purpose = r.u8();
  if (!r.ok() || !valid_op(op) || !valid_purpose(purpose)) return Error{"bad operation or purpose"};
  q.op = Op(op);
  q.purpose = Purpose(purpose);
  q.uid = r.u32();
  q.gid = r.u32();
  q.path = r.str();
  q.unique = r.str();
  q.prefix = r.str();
  q.content = r.str();
  if (max_content && q.prefix.size() + q.content.size() > max_content) return Error{"request content too large"};
  uint32_t nlocks = r.u32();
  if (!r.ok() || nlocks > 3) return Error{"bad lock list"};
  q.mbox.locks.clear();
  for (uint32_t i = 0; i < nlocks; ++i) {
    uint8_t m = r.u8();
    if (!r.ok() || m > uint8_t(LockMethod::dotlock)) return Error{"bad lock method"};
    q.mbox.locks.push_back(LockMethod(m));
  }
  q.mbox.size_limit = (long long)r.u64();
  q.mbox.lock_attempts = int(r.u32());
  q.mbox.lock_delay = r.f64();
  q.mbox.stale_lock = r.f64();
  if (!get_list(r, q.argv) || !get_list(r, q.env)) return Error{"bad argv or environment"};
  q.cwd = r.str();
  q.time_limit = r.f64();
  q.output_limit = r.u64();
  uint32_t nmaildirs = r.u32();
  if (!r.ok() || nmaildirs > kMaxMaildirs) return Error{"bad maildir message count"};
  for (uint32_t i = 0; i < nmaildirs && r.ok(); ++i) {
    MaildirItem m;
    m.path = r.str();
    m.unique = r.str();
    m.prefix = r.str();
    m.content = r.str();
    if (max_content && m.prefix.size() + m.content.size() > max_content) return Error{"request content too large"};
    q.maildirs.push_back(std::move(m));
  }
  if (!r.finish()) return Error{"truncated or overlong privileged request"};
  bool sane = q.mbox.size_limit >= 0 && q.mbox.lock_attempts >= 0 && q.mbox.lock_attempts <= 1000 &&
              q.mbox.lock_delay >= 0 && q.mbox.lock_delay <= 3600 && q.mbox.stale_lock >= 0 &&
              q.time_limit >= 0 && q.time_limit <= 1e7 && q.output_limit <= (1u << 20);
  if (!sane || !complete(q) || (q.op != Op::maildirs && !q.maildirs.empty()))
    return Error{"privileged request with missing or out-of-range fields"};
  return q;
}

std::string encode(const Reply& r) {
  wire::Writer w;
  w.u8(uint8_t(r.code));
  w.u32(r.kind);
  w.u32(uint32_t(r.status));
  w.u32(uint32_t(r.err));
  w.str(r.text);
  w.u32(uint32_t(r.maildirs.size()));
  for (const auto& a : r.maildirs) {
    w.u8(a.ok ? 1 : 0);
    w.str(a.text);
  }
  return w.frame(kReplyType, kVersion);
}

Result<Reply> decode_reply(const wire::Frame& f) {
  if (f.type != kReplyType || f.version != kVersion) return Error{"not a privileged reply record"};
  wire::Reader r(f.payload);
  Reply p;
  uint8_t code = r.u8();
  if (!r.ok() || code > uint8_t(Reply::Code::refused)) return Error{"bad reply code"};
  p.code = Reply::Code(code);
  p.kind = r.u32();
  p.status = int32_t(r.u32());
  p.err = int32_t(r.u32());
  p.text = r.str();
  uint32_t nmaildirs = r.u32();
  if (!r.ok() || nmaildirs > kMaxMaildirs) return Error{"bad maildir answer count"};
  for (uint32_t i = 0; i < nmaildirs && r.ok(); ++i) {
    uint8_t ok = r.u8();
    if (ok > 1) return Error{"bad maildir answer"};
    p.maildirs.push_back({ok == 1, r.str()});
  }
  if (!r.finish()) return Error{"truncated or overlong privileged reply"};
  if (p.kind > 8) return Error{"bad reply kind"};
  return p;
}

}  // namespace tern::delivery::privileged
