// The local delivery agent, local(8): one recipient of the local address class becomes
// deliveries to aliases (alias_maps), the user's .forward files (forward_path), the
// user's mailbox (mailbox_transport, mailbox_command, home_mailbox as Maildir/ or an mbox
// file, else mail_spool_directory), or, for unknown users, fallback_transport or
// luser_relay. Alias, .forward and :include: targets are addresses (local ones expanded
// again here, others forwarded: a new queued message with the original sender and a
// Delivered-To: header), |commands (/bin/sh -c, see command.hpp), /files (mbox, or
// Maildir when the name ends in /) and :include: files. A message that already has
// "Delivered-To: <address>" for an address on the way bounces (5.4.6, mail forwarding
// loop). An alias "list" with an "owner-list" alias sends forwarded copies with
// owner-list@$myorigin (or its expansion, expand_owner_alias) as the sender.
//
// PRIVILEGES. Postfix runs each delivery with the recipient's uid (a .forward command as
// its user, an alias command as the alias file's owner or default_privs). Tern's local
// agent runs inside the queue role, as mail_owner, and cannot change uid: a privileged
// delivery helper forked by the master does (daemon/privileged_role.cpp): when ternd
// runs as root, Request::privileged is set and every delivery for a uid other than ours
// and root's goes through it, as that user (alias targets as default_privs). Without it:
//   - not root (ternd started by an ordinary user: tests, `make run`): every delivery
//     runs with our own uid. A mailbox, file or directory we may not write, or a
//     .forward we may not read, defers with a reason naming the missing helper; one we
//     may write is written (the files then belong to us, not to the user).
//   - root (only when a caller runs the agent as root, e.g. unit tests): the user's
//     mailbox (a path the admin chose: home_mailbox, mail_spool_directory) is written
//     as root; everything else that would need another uid (mailbox_command, .forward
//     commands and files, :include:d ones, alias commands and files, which Postfix runs
//     as default_privs) defers with that reason: nothing a user names runs as root.
#pragma once
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "delivery/agent.hpp"
#include "delivery/forward.hpp"
#include "delivery/mbox.hpp"
#include "delivery/result.hpp"
#include "maps/lookup.hpp"
#include "maps/passwd.hpp"
#include "message/envelope.hpp"

namespace tern::delivery {

struct LocalOptions {
  long testing_euid = -1;  // the uid the privilege rules above assume; -1: geteuid()
};

class LocalDelivery {
 public:
  using Overrides = std::vector<std::pair<std::string, std::string>>;
  // `raw` (main.cf) and the service's -o `overrides` give unexpanded values: forward_path,
  // luser_relay and mailbox_command are expanded per recipient ($user, $home, …).
  static Result<LocalDelivery> make(const config::Params& p, const config::Config& raw,
                                    const Overrides& overrides, const maps::OpenContext& ctx,
                                    LocalOptions opt = {});

  // Delivers recipient `index` of `r.message`; several results when aliases expand.
  std::vector<DeliveryResult> deliver(const Request& r, size_t index) const;
  // A user's own mail goes into a Maildir (home_mailbox or mail_spool_directory ending in
  // '/', no mailbox_command or mailbox_transport): the agent then batches Maildir writes.
  bool mailboxes_are_maildirs() const;

  struct Settings;  // local.cpp

 private:
  struct Job;
  struct Hop;
  void recipient(Job& j, Hop h) const;
  bool alias(Job& j, const Hop& h) const;
  bool dot_forward(Job& j, const Hop& h, const maps::LocalUser& u) const;
  void mailbox(Job& j, const Hop& h, const std::optional<maps::LocalUser>& u) const;
  void unknown(Job& j, const Hop& h) const;
  void targets(Job& j, const Hop& h, const std::vector<Target>& ts, TargetSource src) const;
  void target(Job& j, const Hop& h, const Target& t, TargetSource src) const;
  void include(Job& j, const Hop& h, const std::string& path) const;
  // local_targets.cpp: the deliveries themselves.
  void to_mbox_or_maildir(Job& j, const Hop& h, const std::string& path, bool mailbox) const;
  void to_command(Job& j, const Hop& h, const std::string& command, bool mailbox) const;
  void to_forward(Job& j, const Hop& h, const std::string& address) const;
  void to_transport(Job& j, const Hop& h, const std::string& spec, const char* param) const;
  std::optional<std::string> privilege_problem(const Hop& h, bool mailbox) const;
  std::string helper_reason(const Hop& h, const std::string& what) const;
  // With the privileged helper (ternd runs as root): the uid/gid to deliver `h` as — the
  // user's, or default_privs for alias targets — when it is not ours and not root.
  std::optional<std::pair<long, long>> run_as(const Job& j, const Hop& h) const;
  std::string expand(const std::string& raw, const Hop& h, bool* undefined = nullptr) const;
  void result(Job& j, const Hop& h, DeliveryResult r) const;

  std::shared_ptr<const Settings> s_;
};

}  // namespace tern::delivery
