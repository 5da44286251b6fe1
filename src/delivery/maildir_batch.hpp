// Maildir deliveries of several jobs written together. The queue manager runs jobs of one
// destination (one mailbox) one after another on one worker thread when it finds several
// waiting; while a MaildirBatch is open on that thread, maildir_delivery() queues each
// message instead of writing it and answers with the path it will have, and the agent
// reports a provisional "sent" carrying that path (DeliveryResult::pending_maildir).
// commit() then writes everything queued at once (deliver_maildirs: about two journal
// commits for the lot instead of two per message; through the privileged helper, one
// request per target user) and names the paths that failed, so the manager turns exactly
// those provisional results into deferrals before anything is logged or recorded.
//
// Without an open batch maildir_delivery() writes at once, as deliver_maildir does.
#pragma once
#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "delivery/maildir.hpp"
#include "delivery/privileged_wire.hpp"

namespace tern::delivery {

class PrivilegedDelivery;

// Whose Maildir: written by this process (helper nullptr) or, as uid/gid, by the
// privileged helper.
struct MaildirOwner {
  const PrivilegedDelivery* helper = nullptr;
  privileged::Purpose purpose = privileged::Purpose::local;
  uid_t uid = 0;
  gid_t gid = 0;
  // Written at once even in a batch: this thread's file identity is switched for this one
  // delivery (virtual(8) as root, FsIdentity), which a later commit would not have.
  bool now = false;
};

// Delivers `m` now, or queues it in this thread's open batch; the final path either way.
Result<std::string> maildir_delivery(const MaildirOwner& as, MaildirMessage m);

class MaildirBatch {
 public:
  // Queued messages are written once this many are waiting or this many bytes.
  static constexpr size_t kMaxMessages = 64;
  static constexpr size_t kMaxBytes = 8u << 20;

  MaildirBatch();   // opens on this thread (at most one per thread)
  ~MaildirBatch();  // writes what commit() did not (a caller that forgot loses nothing)
  MaildirBatch(const MaildirBatch&) = delete;
  MaildirBatch& operator=(const MaildirBatch&) = delete;

  // Writes everything queued; the final paths that failed, each with why.
  std::map<std::string, std::string> commit();

  static MaildirBatch* current();  // the batch open on this thread, or nullptr

 private:
  friend Result<std::string> maildir_delivery(const MaildirOwner& as, MaildirMessage m);
  struct Queued {
    MaildirOwner as;
    MaildirMessage m;
  };
  void flush();

  std::vector<Queued> queued_;
  size_t bytes_ = 0;
  std::map<std::string, std::string> failed_;
  MaildirBatch* outer_;
};

}  // namespace tern::delivery
