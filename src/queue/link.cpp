// Link records; see link.hpp.
#include "queue/link.hpp"

namespace tern::queue {

namespace {
void put_client(wire::Writer& w, const ClientInfo& c) {
  w.str(c.name);
  w.str(c.addr);
  w.u32(uint32_t(c.port));
  w.str(c.helo);
  w.str(c.protocol);
  w.str(c.sasl_method);
  w.str(c.sasl_username);
  w.u8(c.local_source ? 1 : 0);
}
void get_client(wire::Reader& r, ClientInfo& c) {
  c.name = r.str();
  c.addr = r.str();
  c.port = int(r.u32());
  c.helo = r.str();
  c.protocol = r.str();
  c.sasl_method = r.str();
  c.sasl_username = r.str();
  c.local_source = r.u8() != 0;
}
Status check_header(const wire::Frame& f, LinkType t) {
  if (f.type != uint16_t(t)) return Error{"unexpected record type " + std::to_string(f.type)};
  if (f.version != kLinkVersion) return Error{"unsupported record version " + std::to_string(f.version)};
  return ok_status();
}
}  // namespace

std::string encode(const SubmitRequest& r) {
  const Envelope& e = r.message.envelope;
  wire::Writer w;
  w.u64(r.seq);
  w.str(e.queue_id);
  w.str(e.sender);
  w.f64(e.arrival);
  put_client(w, e.client);
  w.str(e.envid);
  w.str(e.ret);
  w.str(e.body_type);
  w.u8(e.smtputf8 ? 1 : 0);
  w.str(e.verp);
  w.u8(e.hold ? 1 : 0);
  w.u8(e.requiretls ? 1 : 0);
  w.u8(e.no_header_body_checks ? 1 : 0);
  w.u8(e.no_address_mappings ? 1 : 0);
  w.u8(e.no_milters ? 1 : 0);
  w.str(e.filter);
  w.u32(uint32_t(e.recipients.size()));
  for (const auto& rc : e.recipients) {
    w.str(rc.address);
    w.str(rc.orcpt);
    w.u8(rc.notify);
    w.str(rc.original);
  }
  w.str(r.message.content);
  return w.frame(uint16_t(LinkType::submit), kLinkVersion);
}

std::string encode(const SubmitReply& r) {
  wire::Writer w;
  w.u64(r.seq);
  w.u8(r.ok ? 1 : 0);
  w.str(r.queue_id);
  w.str(r.error);
  w.str(r.refusal);
  return w.frame(uint16_t(LinkType::submit_reply), kLinkVersion);
}

Result<SubmitRequest> decode_submit(const wire::Frame& f) {
  if (auto s = check_header(f, LinkType::submit); !s) return s.error();
  wire::Reader r(f.payload);
  SubmitRequest out;
  Envelope& e = out.message.envelope;
  out.seq = r.u64();
  e.queue_id = r.str();
  e.sender = r.str();
  e.arrival = r.f64();
  get_client(r, e.client);
  e.envid = r.str();
  e.ret = r.str();
  e.body_type = r.str();
  e.smtputf8 = r.u8() != 0;
  e.verp = r.str();
  e.hold = r.u8() != 0;
  e.requiretls = r.u8() != 0;
  e.no_header_body_checks = r.u8() != 0;
  e.no_address_mappings = r.u8() != 0;
  e.no_milters = r.u8() != 0;
  e.filter = r.str();
  uint32_t n = r.u32();
  if (n > 100000) return Error{"submit record: too many recipients"};
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    Recipient rc;
    rc.address = r.str();
    rc.orcpt = r.str();
    rc.notify = r.u8();
    rc.original = r.str();
    e.recipients.push_back(std::move(rc));
  }
  out.message.content = r.str();
  if (!r.finish()) return Error{"submit record: malformed"};
  return out;
}

std::string encode(const VerifyQuery& q) {
  wire::Writer w;
  w.u64(q.seq);
  w.str(q.address);
  return w.frame(uint16_t(LinkType::verify_query), kLinkVersion);
}

std::string encode(const VerifyReply& r) {
  wire::Writer w;
  w.u64(r.seq);
  w.u8(r.status);
  w.str(r.text);
  return w.frame(uint16_t(LinkType::verify_reply), kLinkVersion);
}

Result<VerifyQuery> decode_verify_query(const wire::Frame& f) {
  if (auto s = check_header(f, LinkType::verify_query); !s) return s.error();
  wire::Reader r(f.payload);
  VerifyQuery out;
  out.seq = r.u64();
  out.address = r.str();
  if (!r.finish() || out.address.empty() || out.address.size() > 511) return Error{"verify query record: malformed"};
  return out;
}

Result<VerifyReply> decode_verify_reply(const wire::Frame& f) {
  if (auto s = check_header(f, LinkType::verify_reply); !s) return s.error();
  wire::Reader r(f.payload);
  VerifyReply out;
  out.seq = r.u64();
  out.status = r.u8();
  out.text = r.str();
  if (!r.finish() || out.status > 3) return Error{"verify reply record: malformed"};
  return out;
}

Result<SubmitReply> decode_submit_reply(const wire::Frame& f) {
  if (auto s = check_header(f, LinkType::submit_reply); !s) return s.error();
  wire::Reader r(f.payload);
  SubmitReply out;
  out.seq = r.u64();
  out.ok = r.u8() != 0;
  out.queue_id = r.str();
  out.error = r.str();
  out.refusal = r.str();
  if (!r.finish()) return Error{"submit reply record: malformed"};
  return out;
}

}  // namespace tern::queue
