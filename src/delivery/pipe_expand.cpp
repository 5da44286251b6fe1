// pipe(8) argv expansion; see pipe_expand.hpp.
#include "delivery/pipe_expand.hpp"

#include "base/strings.hpp"
#include "smtp/address.hpp"

namespace tern::delivery::pipe {

namespace {

// The address parts split at the right-most '@' (domain "" when there is none).
struct Parts {
  std::string local, domain;
  bool has_at = false;
};

Parts parts_of(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return {std::string(address), "", false};
  return {std::string(address.substr(0, at)), std::string(address.substr(at + 1)), true};
}

bool needs_quoting(std::string_view local) {
  if (local.empty()) return false;
  if (local.front() == '"') return false;  // quoted already
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return true;
  for (unsigned char c : local)
    if (c <= ' ' || c == 0x7f || std::string_view("()<>@,;:\\\"[]").find(char(c)) != std::string_view::npos)
      return true;
  return false;
}

// Values that hold for the whole job.
struct JobValues {
  std::string sender, nexthop, size, queue_id;
};

// One recipient's values (meaningful only for per-recipient arguments).
struct RcptValues {
  std::string recipient, original, user, extension, mailbox, domain;
  bool skip = false;  // ${user} is empty: leave the argument out for this recipient
};

RcptValues rcpt_values(std::string_view address, const ExpandInput& in, const Flags& f) {
  RcptValues v;
  v.recipient = morph_address(address, f);
  v.original = v.recipient;
  // user, extension, mailbox and domain are folded but never quoted (pipe(8): "The q flag
  // affects only entire addresses").
  Flags fold = f;
  fold.quote = false;
  Parts p = parts_of(morph_address(address, fold));
  v.mailbox = p.local;
  v.domain = p.domain;
  auto ext = smtp::split_extension(p.local, in.delimiters);
  v.user = std::string(ext.base);
  v.extension = ext.delim ? std::string(ext.ext) : std::string();
  // "+shared@host": an empty user with an extension (Cyrus bulletin boards).
  if (!p.local.empty() && !in.delimiters.empty() && in.delimiters.find(p.local[0]) != std::string::npos) {
    v.user.clear();
    v.extension = p.local.substr(1);
  }
  v.skip = v.user.empty();
  return v;
}

std::string value_of(Macro m, const JobValues& j, const RcptValues& r, const Message& msg) {
  const ClientInfo& c = msg.envelope.client;
  switch (m) {
    case Macro::sender: return j.sender;
    case Macro::nexthop: return j.nexthop;
    case Macro::size: return j.size;
    case Macro::queue_id: return j.queue_id;
    case Macro::client_address: return c.addr;
    case Macro::client_hostname: return c.addr.empty() ? std::string() : c.name;
    case Macro::client_helo: return c.helo;
    case Macro::client_port: return c.port ? std::to_string(c.port) : std::string();
    case Macro::client_protocol: return c.protocol;
    case Macro::sasl_method: return c.sasl_method;
    case Macro::sasl_username: return c.sasl_username;
    case Macro::sasl_sender: return "";  // MAIL FROM AUTH= is not kept in the queue file
    case Macro::recipient: return r.recipient;
    case Macro::original_recipient: return r.original;
    case Macro::user: return r.user;
    case Macro::extension: return r.extension;
    case Macro::mailbox: return r.mailbox;
    case Macro::domain: return r.domain;
  }
  return "";
}

std::string render(const ArgTemplate& t, const JobValues& j, const RcptValues& r, const Message& m) {
  std::string out;
  for (const auto& p : t.pieces) out += p.is_macro ? value_of(p.macro, j, r, m) : p.text;
  return out;
}

}  // namespace

std::string quote_local_part(std::string_view address) {
  Parts p = parts_of(address);
  if (!needs_quoting(p.local)) return std::string(address);
  std::string q = "\"";
  for (char c : p.local) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  q += '"';
  return p.has_at ? q + "@" + p.domain : q;
}

std::string morph_address(std::string_view address, const Flags& f) {
  std::string a = f.quote ? quote_local_part(address) : std::string(address);
  if (!f.fold_user && !f.fold_host) return a;
  auto at = a.rfind('@');
  std::string local = at == std::string::npos ? a : a.substr(0, at);
  std::string domain = at == std::string::npos ? std::string() : a.substr(at);
  if (f.fold_user) local = lower(local);
  if (f.fold_host) domain = lower(domain);
  return local + domain;
}

std::vector<std::string> expand_argv(const PipeSpec& spec, const ExpandInput& in) {
  const Message& m = in.message;
  JobValues j;
  j.sender = in.sender;
  // A non-empty sender (or null_sender replacement) is subject to q; an empty one is not.
  if (!j.sender.empty() && spec.flags.quote) j.sender = quote_local_part(j.sender);
  j.nexthop = spec.flags.fold_host ? lower(in.nexthop) : in.nexthop;
  j.size = std::to_string(m.content.size());
  j.queue_id = m.envelope.queue_id;
  std::vector<std::string> out;
  RcptValues none;
  for (const auto& t : spec.argv) {
    if (!t.per_recipient) {
      out.push_back(render(t, j, none, m));
      continue;
    }
    for (const auto& rcpt : in.recipients) {
      RcptValues r = rcpt_values(rcpt, in, spec.flags);
      bool uses_user = false;
      for (const auto& p : t.pieces) uses_user |= p.is_macro && p.macro == Macro::user;
      if (uses_user && r.skip) continue;
      out.push_back(render(t, j, r, m));
    }
  }
  return out;
}

}  // namespace tern::delivery::pipe
