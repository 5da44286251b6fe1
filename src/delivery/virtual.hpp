// The virtual delivery agent (Postfix's virtual(8)) for virtual_mailbox_domains: each
// recipient is looked up in virtual_mailbox_maps (user+ext@domain, user@domain, @domain);
// the result, under virtual_mailbox_base, is a Maildir when it ends in '/', else an mbox
// file (locked per virtual_mailbox_lock, From_ line, >From quoting, truncated back on
// failure). virtual_uid_maps / virtual_gid_maps give the owner (static:N or tables, same
// lookup order); a uid below virtual_minimum_uid is refused. virtual_mailbox_limit caps a
// mailbox file or Maildir message. An unknown recipient bounces (5.1.1 unknown user).
//
// SECURITY: the agent runs inside the queue role as mail_owner and cannot change uid. It
// delivers when the mailbox owner is the process's own uid/gid; when the process is root it
// switches only this thread's filesystem identity (setfsuid/setfsgid) for the delivery;
// otherwise it asks the privileged delivery helper (ternd as root) or, without one,
// defers with a reason naming the missing helper.
#pragma once
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>

#include "config/params.hpp"
#include "delivery/mbox.hpp"
#include "delivery/result.hpp"
#include "maps/lookup.hpp"
#include "message/envelope.hpp"

namespace tern::delivery {

// Who the delivering process is (a test seam: unit tests pretend to be unprivileged).
struct ProcessIdentity {
  uid_t uid = 0;
  gid_t gid = 0;
  static ProcessIdentity current();
};

class PrivilegedDelivery;

class VirtualDelivery {
 public:
  static Result<VirtualDelivery> make(const config::Params& p, const maps::OpenContext& ctx,
                                      ProcessIdentity self = ProcessIdentity::current());

  // `helper`: the privileged delivery helper (Request::privileged), used for mailboxes
  // of another uid when this process cannot change its own.
  DeliveryResult deliver(const Message& m, size_t index, const PrivilegedDelivery* helper = nullptr) const;

  // The mailbox path for `address` (base prefixed), nullopt when unknown; an error when a
  // table cannot be read.
  Result<std::optional<std::string>> mailbox_of(std::string_view address) const;

 private:
  Result<std::optional<std::string>> find(const maps::MapList& maps, std::string_view address) const;
  std::optional<DeliveryResult> owner_of(std::string_view address, uid_t& uid, gid_t& gid) const;
  struct Owner {
    const PrivilegedDelivery* helper;
    uid_t uid;
    gid_t gid;
  };
  // `as` set: written through the helper as that owner; else by this process, and with
  // `switched` under a file identity switched for this delivery only (so never batched).
  DeliveryResult write(const Message& m, size_t index, const std::string& mailbox,
                       std::optional<Owner> as = std::nullopt, bool switched = false) const;

  std::shared_ptr<maps::MapList> mailboxes_, uids_, gids_;
  std::string base_, delimiters_;
  long long minimum_uid_ = 100, limit_ = 0;
  MboxOptions mbox_;  // virtual_mailbox_lock, virtual_mailbox_limit, the lock timing
  ProcessIdentity self_;
};

}  // namespace tern::delivery
