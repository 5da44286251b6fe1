// Local delivery's last steps: an mbox or Maildir file, a command, a forwarded copy, or
// another transport; and the privilege rule of local.hpp. See local.hpp.
#include <cerrno>
#include <cstdlib>
#include <ctime>

#include <fmt/format.h>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "base/time.hpp"
#include "delivery/command.hpp"
#include "delivery/local.hpp"
#include "delivery/local_state.hpp"
#include "delivery/maildir.hpp"
#include "delivery/maildir_batch.hpp"
#include "delivery/privileged.hpp"

namespace tern::delivery {

namespace {

// Return-Path, X-Original-To (the recipient as the client gave it) and Delivered-To (the
// address being delivered), in local(8)'s order.
std::string delivery_headers(const std::string& sender, const Recipient& rcpt, const std::string& address,
                             bool delivered) {
  std::string h = "Return-Path: <" + sender + ">\n";
  h += "X-Original-To: " + rcpt.original_or_address() + "\n";
  if (delivered) h += "Delivered-To: " + address + "\n";
  return h;
}

std::string filtered(std::string_view v, const std::string& allowed) {
  std::string out(v);
  for (char& c : out)
    if (allowed.find(c) == std::string::npos) c = '_';
  return out;
}

}  // namespace

std::string LocalDelivery::helper_reason(const Hop& h, const std::string& what) const {
  std::string who = h.user_owned ? "user " + h.user_owned->name + " (uid " + std::to_string(h.user_owned->uid) + ")"
                                 : std::string("default_privs");
  return what + ": delivery as " + who + " needs the privileged local delivery helper, which Tern does not have yet"
         " (local delivery runs as uid " + std::to_string(s_->euid) + ")";
}

std::optional<std::pair<long, long>> LocalDelivery::run_as(const Job& j, const Hop& h) const {
  if (!j.req.privileged) return std::nullopt;
  long uid = h.user_owned ? h.user_owned->uid : s_->default_uid;
  long gid = h.user_owned ? h.user_owned->gid : s_->default_gid;
  // Root's own mailbox keeps the unprivileged path; any other uid goes to the helper,
  // which also refuses gid 0.
  if (uid <= 0 || gid < 0 || uid == s_->euid) return std::nullopt;
  return std::pair{uid, gid};
}

// Not root: we try with our own uid. Root: only the mailbox, whose path the admin chose,
// is written for another uid; nothing a user or an alias names runs as root (local.hpp).
std::optional<std::string> LocalDelivery::privilege_problem(const Hop& h, bool mailbox) const {
  if (s_->euid != 0 || mailbox) return std::nullopt;
  if (h.user_owned && h.user_owned->uid == 0) return std::nullopt;
  return helper_reason(h, "not delivering as root");
}

// An address verification probe reaches each final target (after aliases, .forward,
// :include:) and stops there: the target is deliverable, nothing is written, run or
// forwarded (Postfix's local(8) under a trace-only request).
void LocalDelivery::to_mbox_or_maildir(Job& j, const Hop& h, const std::string& path, bool mailbox) const {
  if (j.m.envelope.verify_probe)
    return result(j, h, DeliveryResult::ok(!mailbox               ? "delivers to file: " + path
                                           : path.ends_with("/") ? "delivers to maildir"
                                                                 : "delivers to mailbox", "local", ""));
  auto as = run_as(j, h);
  if (auto p = as ? std::optional<std::string>() : privilege_problem(h, mailbox))
    return result(j, h, DeliveryResult::defer("4.2.0", *p, "local", ""));
  std::string what = mailbox ? std::string(path.ends_with("/") ? "maildir" : "mailbox") : "file: " + path;
  std::string headers = delivery_headers(h.sender, j.rcpt, h.address, mailbox || s_->delivered_file);
  if (path.ends_with("/")) {
    long long size = (long long)(headers.size() + j.m.content.size());
    if (s_->mbox.size_limit > 0 && size > s_->mbox.size_limit)
      return result(j, h, DeliveryResult::bounce("5.2.2", "message size exceeds mailbox_size_limit for " + path, "local", ""));
    // Named by queue file and recipient, so a repeated delivery finds its earlier copy.
    std::string unique = fmt::format("{}.T{}R{}", (long long)j.m.envelope.arrival, j.m.envelope.queue_id, j.index);
    MaildirOwner owner;
    if (as) owner = {j.req.privileged, privileged::Purpose::local, uid_t(as->first), gid_t(as->second)};
    auto r = maildir_delivery(owner, {path, unique, headers, j.m.content});
    if (r) {
      auto ok = DeliveryResult::ok("delivered to " + what, "local", "");
      if (MaildirBatch::current()) ok.pending_maildir = *r;
      return result(j, h, std::move(ok));
    }
    bool denied = !as && r.error().message.find(errno_text(EACCES)) != std::string::npos;
    std::string why = "maildir delivery failed: " + r.error().message;
    return result(j, h, DeliveryResult::defer("4.2.0", denied ? helper_reason(h, why) : why, "local", ""));
  }
  MboxCopy copy;
  copy.sender = h.sender;
  copy.when = std::time(nullptr);
  copy.headers = std::move(headers);
  std::string bytes = format_copy(copy, j.m.content);
  auto r = as ? j.req.privileged->mbox(privileged::Purpose::local, uid_t(as->first), gid_t(as->second), path, bytes,
                                       s_->mbox)
              : append_mbox(path, bytes, s_->mbox);
  using K = MboxResult::Kind;
  switch (r.kind) {
    case K::written: return result(j, h, DeliveryResult::ok("delivered to " + what, "local", ""));
    case K::too_big: return result(j, h, DeliveryResult::bounce("5.2.2", r.text, "local", ""));
    case K::denied:
      return result(j, h, DeliveryResult::defer("4.2.0", as ? r.text : helper_reason(h, r.text), "local", ""));
    case K::busy:
    case K::bad_file:
    case K::failed: return result(j, h, DeliveryResult::defer("4.2.0", r.text, "local", ""));
  }
}

void LocalDelivery::to_command(Job& j, const Hop& h, const std::string& command, bool mailbox) const {
  if (trim(command).empty())
    return result(j, h, DeliveryResult::bounce("5.3.5", mailbox ? "mailbox_command expands to nothing" : "empty command", "local", ""));
  if (j.m.envelope.verify_probe)
    return result(j, h, DeliveryResult::ok("delivers to command: " + printable(command, 80), "local", ""));
  auto as = run_as(j, h);
  if (auto p = as ? std::optional<std::string>() : privilege_problem(h, false))
    return result(j, h, DeliveryResult::defer("4.3.0", *p, "local", ""));
  CommandSpec spec;
  spec.argv = s_->shell.empty() ? shell_argv(command) : std::vector<std::string>{s_->shell, "-c", command};
  for (const auto& name : s_->export_environment)
    if (const char* v = std::getenv(name.c_str())) spec.env.push_back(name + "=" + v);
  spec.env.push_back("PATH=/usr/bin:/bin");
  auto put = [&](const char* name, std::string_view v, bool filter = true) {
    spec.env.push_back(std::string(name) + "=" + (filter ? filtered(v, s_->filter) : std::string(v)));
  };
  if (h.user_owned) {
    put("HOME", h.user_owned->home, false);
    put("SHELL", h.user_owned->shell, false);
  }
  put("USER", h.user);
  put("LOGNAME", h.user);
  put("EXTENSION", h.extension);
  put("DOMAIN", h.domain);
  put("LOCAL", h.local);
  put("RECIPIENT", h.address);
  put("SENDER", h.sender);
  put("ORIGINAL_RECIPIENT", j.rcpt.address);
  const ClientInfo& c = j.m.envelope.client;
  if (!c.addr.empty()) put("CLIENT_ADDRESS", c.addr);
  if (!c.helo.empty()) put("CLIENT_HELO", c.helo);
  if (!c.name.empty()) put("CLIENT_HOSTNAME", c.name);
  if (!c.protocol.empty()) put("CLIENT_PROTOCOL", c.protocol);
  if (!c.sasl_method.empty()) put("SASL_METHOD", c.sasl_method);
  if (!c.sasl_username.empty()) put("SASL_USERNAME", c.sasl_username);
  // The command gets the From_ line and the delivery headers, but no ">From " quoting
  // and no blank line at the end (local(8): "appends no empty line").
  MboxCopy copy;
  copy.quote_from = false;
  copy.blank_line = false;
  copy.sender = h.sender;
  copy.when = std::time(nullptr);
  copy.headers = delivery_headers(h.sender, j.rcpt, h.address, mailbox || s_->delivered_command);
  std::string input = format_copy(copy, j.m.content);
  spec.input = input;
  spec.time_limit = s_->command_time_limit;
  spec.cwd = s_->command_cwd;
  auto r = as ? j.req.privileged->command(uid_t(as->first), gid_t(as->second), spec) : run_command(spec);
  if (!r) return result(j, h, DeliveryResult::defer("4.3.0", r.error().message, "local", ""));
  CommandVerdict v = judge_command(*r, command);
  using K = CommandVerdict::Kind;
  if (v.kind == K::ok) return result(j, h, DeliveryResult::ok(v.text, "local", ""));
  if (v.kind == K::defer) return result(j, h, DeliveryResult::defer(v.dsn, v.text, "local", ""));
  result(j, h, DeliveryResult::bounce(v.dsn, v.text, "local", ""));
}

// A remote target: a new message through the queue with the original sender (or the
// list owner) and a Delivered-To: header, as Postfix's local(8) resubmits via cleanup.
void LocalDelivery::to_forward(Job& j, const Hop& h, const std::string& address) const {
  if (j.m.envelope.verify_probe)
    return result(j, h, DeliveryResult::ok("aliased to " + printable(address, 80), "local", ""));
  if (!j.req.resubmit)
    return result(j, h, DeliveryResult::defer("4.3.0", "forwarding to " + printable(address, 80) +
                                              ": this delivery has no queue to resubmit to", "local", ""));
  const Envelope& o = j.m.envelope;
  Message fwd;
  Envelope& e = fwd.envelope;
  e.sender = h.owner_sender ? h.sender : o.sender;
  if (!h.owner_sender) e.verp = o.verp;
  Recipient r;
  r.address = address;
  r.orcpt = j.rcpt.orcpt;
  r.notify = j.rcpt.notify;
  e.recipients.push_back(std::move(r));
  e.arrival = now_seconds();
  e.client = ClientInfo{"localhost", "127.0.0.1", 0, "", "LOCAL"};
  e.envid = o.envid;
  e.ret = o.ret;
  e.body_type = o.body_type;
  e.smtputf8 = o.smtputf8;
  fwd.content = (s_->delivered_forward ? "Delivered-To: " + h.address + "\n" : std::string()) + j.m.content;
  auto id = j.req.resubmit(std::move(fwd));
  if (!id)
    return result(j, h, DeliveryResult::defer("4.3.0", "forwarding to " + printable(address, 80) + " failed: " +
                                              id.error().message, "local", ""));
  result(j, h, DeliveryResult::ok("forwarded as " + *id, "local", ""));
}

// mailbox_transport / fallback_transport "service[:nexthop]": the same message, with this
// one recipient (as expanded so far), handed to that service's agent in this thread.
void LocalDelivery::to_transport(Job& j, const Hop& h, const std::string& spec, const char* param) const {
  size_t colon = spec.find(':');
  std::string t(trim(spec.substr(0, colon)));
  std::string nexthop = colon == std::string::npos ? "" : spec.substr(colon + 1);
  auto defer = [&](const std::string& why) {
    result(j, h, DeliveryResult::defer("4.3.0", std::string(param) + " " + printable(spec, 80) + ": " + why, "local", ""));
  };
  if (t.empty()) return defer("no transport name");
  if (iequals(t, j.req.transport)) return defer("names this local service itself");
  if (!j.req.agents) return defer("no other transports are available here");
  const Agent* agent = j.req.agents->find(t);
  if (!agent) return defer(j.req.agents->unavailable_reason(t));
  Message copy{j.m.envelope, j.m.content};
  copy.envelope.recipients = {j.rcpt};
  copy.envelope.recipients[0].address = h.address;
  Request sub{copy, {0}, t, nexthop, j.req.activated, j.req.resubmit, j.req.agents, j.req.privileged};
  Outcome o = agent->deliver(sub);
  if (o.results.empty()) return defer("the transport gave no outcome");
  for (auto& r : o.results) {
    r.index = j.index;
    j.out.push_back(std::move(r));
  }
}

}  // namespace tern::delivery
