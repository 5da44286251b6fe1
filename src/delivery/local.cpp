// Local delivery: who a local recipient is (alias, .forward, user, unknown) and what its
// targets are; see local.hpp. The deliveries themselves are in local_targets.cpp.
#include "delivery/local.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "config/expand.hpp"
#include "delivery/delivered.hpp"
#include "delivery/local_state.hpp"
#include "delivery/privileged.hpp"
#include "route/resolve.hpp"
#include "route/verp.hpp"
#include "smtp/address.hpp"

namespace tern::delivery {

namespace {

constexpr int kMaxDepth = 100;  // nesting of aliases, .forward and :include: files

std::set<TargetSource> sources(const std::vector<std::string>& names) {
  std::set<TargetSource> out;
  for (const auto& n : names) {
    if (iequals(n, "alias")) out.insert(TargetSource::alias);
    else if (iequals(n, "forward")) out.insert(TargetSource::forward);
    else if (iequals(n, "include")) out.insert(TargetSource::include);
  }
  return out;
}

bool has(const std::vector<std::string>& list, std::string_view word) {
  for (const auto& w : list)
    if (iequals(w, word)) return true;
  return false;
}

}  // namespace

Result<LocalDelivery> LocalDelivery::make(const config::Params& p, const config::Config& raw,
                                          const Overrides& overrides, const maps::OpenContext& ctx,
                                          LocalOptions opt) {
  auto s = std::make_shared<Settings>();
  auto aliases = maps::MapList::open(p.alias_maps, ctx);
  if (!aliases) return Error{"alias_maps: " + aliases.error().message};
  auto users = maps::UserDb::open(p.local_passwd_file);
  if (!users) return Error{"local_passwd_file: " + users.error().message};
  auto locks = parse_lock_methods(p.mailbox_delivery_lock);
  if (!locks) return Error{"mailbox_delivery_lock: " + locks.error().message};
  s->aliases = std::make_shared<maps::MapList>(std::move(*aliases));
  s->users = std::make_shared<maps::UserDb>(std::move(*users));
  s->home_mailbox = p.home_mailbox;
  s->spool = p.mail_spool_directory;
  s->myorigin = p.myorigin;
  s->delimiters = p.recipient_delimiter;
  s->mydestination = p.mydestination;
  s->mailbox_transport = p.mailbox_transport;
  s->fallback_transport = p.fallback_transport;
  // A copy of main.cf with the service's -o overrides, for per-recipient expansion.
  auto rc = std::make_shared<config::Config>();
  rc->directory = raw.directory;
  rc->main_cf = raw.main_cf;
  for (const auto& [name, value] : overrides) rc->main_cf[name] = config::RawValue{value, "master.cf", 0};
  s->raw = [rc](std::string_view n) -> std::optional<std::string> { return rc->raw_value(n); };
  // Kept unexpanded: they name per-recipient values expanded at delivery.
  s->forward_path = split_list(rc->raw_value("forward_path"));
  s->luser_relay = rc->raw_value("luser_relay");
  s->mailbox_command = rc->raw_value("mailbox_command");
  s->commands_ok = sources(p.allow_mail_to_commands);
  s->files_ok = sources(p.allow_mail_to_files);
  s->delivered_command = has(p.prepend_delivered_header, "command");
  s->delivered_file = has(p.prepend_delivered_header, "file");
  s->delivered_forward = has(p.prepend_delivered_header, "forward");
  s->owner_request_special = p.owner_request_special;
  s->expand_owner_alias = p.expand_owner_alias;
  s->shell = p.local_command_shell;
  struct stat qd {};
  if (::stat(p.queue_directory.c_str(), &qd) == 0 && S_ISDIR(qd.st_mode)) s->command_cwd = p.queue_directory;
  s->filter = p.command_expansion_filter;
  s->export_environment = p.export_environment;
  s->command_time_limit = double(p.command_time_limit.count());
  s->mbox.locks = std::move(*locks);
  s->mbox.size_limit = p.mailbox_size_limit;
  s->mbox.lock_attempts = int(p.deliver_lock_attempts);
  s->mbox.lock_delay = double(p.deliver_lock_delay.count());
  s->mbox.stale_lock = double(p.stale_lock_time.count());
  s->euid = opt.testing_euid >= 0 ? opt.testing_euid : long(::geteuid());
  passwd pw{}, *pres = nullptr;
  char pbuf[4096];
  if (::getpwnam_r(p.default_privs.c_str(), &pw, pbuf, sizeof pbuf, &pres) == 0 && pres) {
    s->default_uid = long(pres->pw_uid);
    s->default_gid = long(pres->pw_gid);
  }
  LocalDelivery d;
  d.s_ = std::move(s);
  return d;
}

std::vector<DeliveryResult> LocalDelivery::deliver(const Request& r, size_t index) const {
  const Recipient& rcpt = r.message.envelope.recipients.at(index);
  Job j{r, r.message, rcpt, index};
  const Envelope& e = r.message.envelope;
  Hop h;
  h.address = rcpt.address;
  h.sender = e.verp.empty() ? e.sender : route::verp_sender(e.sender, rcpt.address, e.verp);
  recipient(j, std::move(h));
  if (j.out.empty())  // every branch was a duplicate of another: nothing left to do
    j.out.push_back(DeliveryResult::ok("delivered (duplicate targets removed)", "local", rcpt.address));
  return std::move(j.out);
}

void LocalDelivery::result(Job& j, const Hop& h, DeliveryResult r) const {
  r.recipient = h.address;
  r.index = j.index;
  j.out.push_back(std::move(r));
}

bool LocalDelivery::mailboxes_are_maildirs() const {
  if (!s_->mailbox_command.empty() || !s_->mailbox_transport.empty()) return false;
  return !s_->home_mailbox.empty() ? s_->home_mailbox.ends_with('/') : s_->spool.ends_with('/');
}

// Postfix's deliver_recipient(): loop check, then aliases, .forward, mailbox, unknown.
void LocalDelivery::recipient(Job& j, Hop h) const {
  if (h.depth > kMaxDepth) {
    result(j, h, DeliveryResult::bounce("5.4.6", "mail forwarding loop for " + h.address +
                                        " (more than " + std::to_string(kMaxDepth) + " nested aliases)", "local", ""));
    return;
  }
  if (delivered_to_seen(j.m.content, h.address)) {
    result(j, h, DeliveryResult::bounce("5.4.6", "mail forwarding loop for " + h.address, "local", ""));
    return;
  }
  auto parts = smtp::split_address(h.address);
  auto ext = smtp::split_extension(parts.local, s_->delimiters, s_->owner_request_special);
  h.local = std::string(parts.local);
  h.domain = std::string(parts.domain);
  h.user = lower(ext.base);
  h.extension = std::string(ext.ext);
  if (!h.backslash && alias(j, h)) return;
  std::optional<maps::LocalUser> u = s_->users->find(h.user);
  if (u && !h.backslash && dot_forward(j, h, *u)) return;
  mailbox(j, h, u);
}

bool LocalDelivery::alias(Job& j, const Hop& h) const {
  for (const auto& key : route::local_lookup_keys(h.local, s_->delimiters)) {
    if (j.aliases_done.count(key)) return false;  // "alice: alice", or a list naming itself
    auto hit = s_->aliases->find(key);
    if (!hit) {
      result(j, h, DeliveryResult::defer("4.3.0", "alias database unavailable: " + hit.error().message, "local", ""));
      return true;
    }
    if (!*hit) continue;
    j.aliases_done.insert(key);
    Hop next = h;
    next.user_owned.reset();  // alias targets run with no user's identity (see local.hpp)
    if (s_->owner_request_special && !istarts_with(key, "owner-")) {
      auto owner = s_->aliases->find("owner-" + key);
      if (owner && *owner) {
        next.sender = smtp::qualify_address("owner-" + key, s_->myorigin);
        next.owner_sender = true;
        auto list = parse_target_list(**owner);
        if (s_->expand_owner_alias && list.error == TargetError::none && list.targets.size() == 1 &&
            list.targets[0].kind == TargetKind::address)
          next.sender = smtp::qualify_address(list.targets[0].value, s_->myorigin);
      }
    }
    auto list = parse_target_list(**hit);
    if (list.error != TargetError::none) {
      result(j, h, DeliveryResult::defer("4.3.0", "alias \"" + key + "\": " + list.message(), "local", ""));
      return true;
    }
    targets(j, next, list.targets, TargetSource::alias);
    return true;
  }
  return false;
}

// Reads a .forward or :include: file as we may: regular, not world-writable, and owned
// by root, the user it belongs to, or us. nullopt with `missing` when it does not exist.
static Result<std::string> read_target_file(const std::string& path, long user_uid, long euid, bool& missing) {
  missing = false;
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    int err = errno;
    missing = err == ENOENT || err == ENOTDIR;
    return Error{"cannot access " + path + ": " + errno_text(err)};
  }
  if (!S_ISREG(st.st_mode)) return Error{path + " is not a regular file"};
  if (st.st_mode & S_IWOTH) return Error{path + " is world writable"};
  if (st.st_uid != 0 && long(st.st_uid) != user_uid && long(st.st_uid) != euid)
    return Error{path + " has bad owner uid " + std::to_string(st.st_uid)};
  return read_file(path);
}

bool LocalDelivery::dot_forward(Job& j, const Hop& h, const maps::LocalUser& u) const {
  if (j.forwards_done.count(u.name)) return false;  // its .forward names the user: mailbox
  Hop fh = h;
  fh.user_owned = u;
  for (const auto& raw : s_->forward_path) {
    bool undefined = false;
    std::string path = expand(raw, fh, &undefined);
    if (undefined || path.empty()) continue;  // e.g. .forward+$extension without one
    bool missing = false;
    auto as = run_as(j, fh);
    auto text = as ? j.req.privileged->read_file(uid_t(as->first), gid_t(as->second), path, missing)
                   : read_target_file(path, u.uid, s_->euid, missing);
    if (!text && missing) continue;
    if (!text) {
      bool denied = !as && text.error().message.find(errno_text(EACCES)) != std::string::npos;
      result(j, h, DeliveryResult::defer("4.3.0", denied ? helper_reason(fh, "cannot read " + path)
                                                         : "cannot use " + text.error().message, "local", ""));
      return true;
    }
    auto list = parse_target_file(*text);
    if (list.error != TargetError::none) {
      result(j, h, DeliveryResult::defer("4.3.0", path + ": " + list.message(), "local", ""));
      return true;
    }
    if (list.targets.empty()) continue;  // an empty .forward delivers to the mailbox
    j.forwards_done.insert(u.name);
    targets(j, fh, list.targets, TargetSource::forward);
    return true;
  }
  return false;
}

void LocalDelivery::mailbox(Job& j, const Hop& h, const std::optional<maps::LocalUser>& u) const {
  if (!s_->mailbox_transport.empty()) return to_transport(j, h, s_->mailbox_transport, "mailbox_transport");
  if (!u) return unknown(j, h);
  Hop uh = h;
  uh.user_owned = u;
  if (!s_->mailbox_command.empty()) return to_command(j, uh, expand(s_->mailbox_command, uh), true);
  std::string path = !s_->home_mailbox.empty() ? u->home + "/" + s_->home_mailbox
                                                : s_->spool + "/" + u->name + (s_->spool.ends_with("/") ? "/" : "");
  to_mbox_or_maildir(j, uh, path, true);
}

void LocalDelivery::unknown(Job& j, const Hop& h) const {
  if (!s_->fallback_transport.empty()) return to_transport(j, h, s_->fallback_transport, "fallback_transport");
  if (!s_->luser_relay.empty() && !h.relayed) {
    std::string to(trim(expand(s_->luser_relay, h)));
    if (!to.empty()) {
      Hop next = h;
      next.relayed = true;
      next.depth++;
      return target(j, next, classify_target(smtp::qualify_address(to, s_->myorigin)), TargetSource::alias);
    }
  }
  result(j, h, DeliveryResult::bounce("5.1.1", "unknown user: \"" + h.user + "\"", "local", ""));
}

void LocalDelivery::targets(Job& j, const Hop& h, const std::vector<Target>& ts, TargetSource src) const {
  for (const auto& t : ts) target(j, h, t, src);
}

// Postfix's deliver_token(): one alias, .forward or :include: item.
void LocalDelivery::target(Job& j, const Hop& h, const Target& t, TargetSource src) const {
  std::string value = t.kind == TargetKind::address ? lower(smtp::qualify_address(t.value, s_->myorigin)) : t.value;
  std::string key = std::to_string(int(t.kind)) + (t.backslash ? "\\" : "") + value;
  if (!j.seen.insert(key).second) return;  // the same target twice: deliver once
  Hop next = h;
  next.depth = h.depth + 1;
  switch (t.kind) {
    case TargetKind::command:
      if (!s_->commands_ok.count(src))
        return result(j, h, DeliveryResult::bounce("5.7.1", std::string("mail to command is restricted (allow_mail_to_commands has no ") +
                                                   source_name(src) + ")", "local", ""));
      return to_command(j, h, t.value, false);
    case TargetKind::file:
      if (!s_->files_ok.count(src))
        return result(j, h, DeliveryResult::bounce("5.7.1", std::string("mail to file is restricted (allow_mail_to_files has no ") +
                                                   source_name(src) + ")", "local", ""));
      return to_mbox_or_maildir(j, h, t.value, false);
    case TargetKind::include:
      return include(j, next, t.value);
    case TargetKind::address:
      break;
  }
  std::string addr = smtp::qualify_address(t.value, s_->myorigin);
  auto d = smtp::split_address(addr).domain;
  bool local = false;
  for (const auto& dest : s_->mydestination) local |= iequals(dest, d);
  local |= iequals(d, s_->myorigin) && smtp::split_address(t.value).domain.empty();
  if (!local) return to_forward(j, h, addr);
  next.address = addr;
  next.backslash = t.backslash;
  next.relayed = h.relayed;
  recipient(j, std::move(next));
}

void LocalDelivery::include(Job& j, const Hop& h, const std::string& path) const {
  if (h.depth > kMaxDepth)
    return result(j, h, DeliveryResult::bounce("5.4.6", "mail forwarding loop for " + h.address, "local", ""));
  long owner = h.user_owned ? h.user_owned->uid : s_->euid;
  bool missing = false;
  auto as = run_as(j, h);
  auto text = as ? j.req.privileged->read_file(uid_t(as->first), gid_t(as->second), path, missing)
                 : read_target_file(path, owner, s_->euid, missing);
  if (!text) {
    bool denied = !as && text.error().message.find(errno_text(EACCES)) != std::string::npos;
    return result(j, h, DeliveryResult::defer("4.3.0", denied ? helper_reason(h, "cannot read :include: file " + path)
                                                              : ":include: " + text.error().message, "local", ""));
  }
  auto list = parse_target_file(*text);
  if (list.error != TargetError::none)
    return result(j, h, DeliveryResult::defer("4.3.0", ":include: " + path + ": " + list.message(), "local", ""));
  targets(j, h, list.targets, TargetSource::include);
}

// $name expansion with the recipient's attributes over main.cf; `undefined` is set when
// a per-recipient name it uses has no value (Postfix skips such forward_path entries).
std::string LocalDelivery::expand(const std::string& raw, const Hop& h, bool* undefined) const {
  const maps::LocalUser* u = h.user_owned ? &*h.user_owned : nullptr;
  auto lookup = [&](std::string_view n) -> std::optional<std::string> {
    std::optional<std::string> v;
    if (n == "user") v = h.user;
    else if (n == "home") v = u ? u->home : "";
    else if (n == "shell") v = u ? u->shell : "";
    else if (n == "recipient") v = h.address;
    else if (n == "extension") v = h.extension;
    else if (n == "domain") v = h.domain;
    else if (n == "local") v = h.local;
    else if (n == "recipient_delimiter") v = s_->delimiters;
    else return s_->raw(n);
    if (v->empty()) {
      if (undefined) *undefined = true;
      return std::nullopt;
    }
    return v;
  };
  auto r = config::expand(raw, lookup);
  return r ? *r : std::string();
}

}  // namespace tern::delivery
