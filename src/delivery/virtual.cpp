// The virtual agent; see virtual.hpp.
#include "delivery/virtual.hpp"
#include "delivery/privileged.hpp"

#include <sys/fsuid.h>
#include <unistd.h>

#include <ctime>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "delivery/mail_copy.hpp"
#include "delivery/maildir.hpp"
#include "delivery/maildir_batch.hpp"
#include "route/verp.hpp"
#include "smtp/address.hpp"

namespace tern::delivery {

namespace {

constexpr const char* kRelay = "virtual";

// virtual(8)'s search order, on the address folded to lower case.
std::vector<std::string> lookup_keys(std::string_view address, std::string_view delimiters) {
  std::string a = lower(address);
  auto parts = smtp::split_address(a);
  std::string domain = "@" + std::string(parts.domain);
  std::vector<std::string> keys{a};
  auto ext = smtp::split_extension(parts.local, delimiters);
  if (ext.delim && !ext.base.empty()) keys.push_back(std::string(ext.base) + domain);
  keys.push_back(domain);
  return keys;
}

// This thread's filesystem identity, switched for one delivery (root only).
class FsIdentity {
 public:
  FsIdentity(uid_t uid, gid_t gid) : gid_(::setfsgid(gid)), uid_(::setfsuid(uid)) {}
  ~FsIdentity() {
    ::setfsuid(uid_);
    ::setfsgid(gid_);
  }
  FsIdentity(const FsIdentity&) = delete;
  FsIdentity& operator=(const FsIdentity&) = delete;

 private:
  int gid_, uid_;
};

Result<std::shared_ptr<maps::MapList>> open_maps(const std::vector<std::string>& specs, std::string_view param,
                                                 const maps::OpenContext& ctx) {
  auto m = maps::MapList::open(specs, ctx);
  if (!m) return Error{std::string(param) + ": " + m.error().message};
  return std::make_shared<maps::MapList>(std::move(*m));
}

}  // namespace

ProcessIdentity ProcessIdentity::current() { return {::geteuid(), ::getegid()}; }

Result<VirtualDelivery> VirtualDelivery::make(const config::Params& p, const maps::OpenContext& ctx,
                                              ProcessIdentity self) {
  VirtualDelivery d;
  auto mb = open_maps(p.virtual_mailbox_maps, "virtual_mailbox_maps", ctx);
  if (!mb) return mb.error();
  auto uids = open_maps(p.virtual_uid_maps, "virtual_uid_maps", ctx);
  if (!uids) return uids.error();
  auto gids = open_maps(p.virtual_gid_maps, "virtual_gid_maps", ctx);
  if (!gids) return gids.error();
  auto locks = parse_lock_methods(p.virtual_mailbox_lock);
  if (!locks) return Error{"virtual_mailbox_lock: " + locks.error().message};
  d.mailboxes_ = std::move(*mb);
  d.uids_ = std::move(*uids);
  d.gids_ = std::move(*gids);
  d.mbox_.locks = *locks;
  d.mbox_.size_limit = p.virtual_mailbox_limit;
  d.mbox_.lock_attempts = int(p.deliver_lock_attempts);
  d.mbox_.lock_delay = double(p.deliver_lock_delay.count());
  d.mbox_.stale_lock = double(p.stale_lock_time.count());
  d.base_ = p.virtual_mailbox_base;
  d.delimiters_ = p.recipient_delimiter;
  d.minimum_uid_ = p.virtual_minimum_uid;
  d.limit_ = p.virtual_mailbox_limit;
  d.self_ = self;
  return d;
}

Result<std::optional<std::string>> VirtualDelivery::find(const maps::MapList& maps, std::string_view address) const {
  for (const auto& key : lookup_keys(address, delimiters_)) {
    auto r = maps.find(key);
    if (!r) return r.error();
    if (*r) return std::optional<std::string>(std::string(trim(**r)));
  }
  return std::optional<std::string>();
}

Result<std::optional<std::string>> VirtualDelivery::mailbox_of(std::string_view address) const {
  auto r = find(*mailboxes_, address);
  if (!r || !*r) return r;
  std::string path = base_;
  if (!path.empty() && path.back() != '/') path += '/';
  return std::optional<std::string>(path + **r);
}

// The mailbox owner from virtual_uid_maps / virtual_gid_maps; a result to return instead
// when it cannot be had.
std::optional<DeliveryResult> VirtualDelivery::owner_of(std::string_view address, uid_t& uid, gid_t& gid) const {
  std::string rcpt(address);
  auto id_from = [&](const maps::MapList& maps, const char* param, long long minimum,
                     long long& out) -> std::optional<DeliveryResult> {
    auto r = find(maps, address);
    if (!r) return DeliveryResult::defer("4.3.0", std::string(param) + " lookup failed: " + r.error().message, kRelay, rcpt);
    if (!*r)
      return DeliveryResult::defer("4.3.5", "mail system configuration error: recipient " + rcpt + ": no " +
                                   (param == std::string("virtual_uid_maps") ? "uid" : "gid") + " in " + param, kRelay, rcpt);
    auto n = parse_int(**r);
    if (!n || *n < minimum)
      return DeliveryResult::defer("4.3.5", "mail system configuration error: recipient " + rcpt + ": bad " +
                                   (param == std::string("virtual_uid_maps") ? "uid" : "gid") + " \"" +
                                   printable(**r, 20) + "\" in " + param +
                                   (minimum > 1 ? " (virtual_minimum_uid is " + std::to_string(minimum) + ")" : ""),
                                   kRelay, rcpt);
    out = *n;
    return std::nullopt;
  };
  long long u = 0, g = 0;
  if (auto bad = id_from(*uids_, "virtual_uid_maps", minimum_uid_, u)) return bad;
  if (auto bad = id_from(*gids_, "virtual_gid_maps", 1, g)) return bad;
  uid = uid_t(u);
  gid = gid_t(g);
  return std::nullopt;
}

DeliveryResult VirtualDelivery::deliver(const Message& m, size_t index, const PrivilegedDelivery* helper) const {
  const std::string& addr = m.envelope.recipients.at(index).address;
  auto mailbox = mailbox_of(addr);
  if (!mailbox) return DeliveryResult::defer("4.3.0", "virtual_mailbox_maps lookup failed: " + mailbox.error().message, kRelay, addr);
  if (!*mailbox) return DeliveryResult::bounce("5.1.1", "unknown user: \"" + lower(addr) + "\"", kRelay, addr);
  if (has_delivered_to(m.content, addr))
    return DeliveryResult::bounce("5.4.6", "mail forwarding loop for " + addr, kRelay, addr);
  // A probe learns only that the mailbox exists; nothing is written.
  if (m.envelope.verify_probe)
    return DeliveryResult::ok((**mailbox).ends_with('/') ? "delivers to maildir" : "delivers to mailbox", kRelay, addr);
  uid_t uid = 0;
  gid_t gid = 0;
  if (auto bad = owner_of(addr, uid, gid)) return *bad;
  if (uid == self_.uid && gid == self_.gid) return write(m, index, **mailbox);
  if (self_.uid != 0 && helper) return write(m, index, **mailbox, Owner{helper, uid, gid});
  if (self_.uid != 0)
    return DeliveryResult::defer("4.3.0", fmt::format("cannot deliver to {} as uid {} gid {}: this delivery process runs as "
                                                      "uid {} gid {} and cannot change user; mailboxes of other users need "
                                                      "Tern's privileged delivery helper, which does not exist yet",
                                                      **mailbox, uid, gid, self_.uid, self_.gid),
                                 kRelay, addr);
  FsIdentity as_owner(uid, gid);
  return write(m, index, **mailbox, std::nullopt, /*switched=*/true);
}

DeliveryResult VirtualDelivery::write(const Message& m, size_t index, const std::string& mailbox,
                                      std::optional<Owner> as, bool switched) const {
  const Envelope& e = m.envelope;
  const std::string& addr = e.recipients[index].address;
  std::string sender = e.verp.empty() ? e.sender : route::verp_sender(e.sender, addr, e.verp);
  CopyOptions o;
  o.return_path = sender;
  o.original_to = addr;
  o.delivered_to = addr;
  if (!mailbox.empty() && mailbox.back() == '/') {
    std::string prefix = mail_copy("", o);
    if (limit_ > 0 && static_cast<long long>(prefix.size() + m.content.size()) > limit_)
      return DeliveryResult::bounce("5.2.2", "cannot deliver to maildir " + mailbox + ": the message exceeds the "
                                    "virtual_mailbox_limit of " + std::to_string(limit_) + " bytes", kRelay, addr);
    // The same queue file and recipient always make the same Maildir name (maildir.hpp).
    std::string unique = fmt::format("{}.T{}R{}", (long long)e.arrival, e.queue_id, index);
    MaildirOwner owner;
    if (as) owner = {as->helper, privileged::Purpose::virtual_mailbox, as->uid, as->gid};
    owner.now = switched;
    auto r = maildir_delivery(owner, {mailbox, unique, std::move(prefix), m.content});
    if (!r) return DeliveryResult::defer("4.2.0", "maildir delivery failed: " + r.error().message, kRelay, addr);
    auto ok = DeliveryResult::ok("delivered to maildir", kRelay, addr);
    if (MaildirBatch::current() && !switched) ok.pending_maildir = *r;
    return ok;
  }
  o.from_line = sender.empty() ? std::string("MAILER-DAEMON") : sender;
  o.quote_from = true;
  o.blank = true;
  o.now = std::time(nullptr);
  std::string bytes = mail_copy(m.content, o);
  MboxResult res = as ? as->helper->mbox(privileged::Purpose::virtual_mailbox, as->uid, as->gid, mailbox, bytes, mbox_)
                      : append_mbox(mailbox, bytes, mbox_);
  switch (res.kind) {
    case MboxResult::Kind::written: return DeliveryResult::ok("delivered to mailbox", kRelay, addr);
    case MboxResult::Kind::too_big: return DeliveryResult::bounce("5.2.2", res.text, kRelay, addr);
    case MboxResult::Kind::bad_file: return DeliveryResult::bounce("5.2.0", res.text, kRelay, addr);
    default: return DeliveryResult::defer("4.2.0", res.text, kRelay, addr);
  }
}

}  // namespace tern::delivery
