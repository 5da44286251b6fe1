// The queue role's client of the privileged delivery helper (daemon/privileged_role.cpp):
// agents on worker threads ask it to write a Maildir or mbox, run a command, or read a
// .forward file as a given uid/gid. Present only when ternd runs as root; agents get it
// through Request::privileged (nullptr otherwise) and keep their unprivileged path then.
//
// Each call makes a fresh socketpair, hands one end to the helper over the control
// socket (SCM_RIGHTS; the master created that socketpair and holds both ends, so a
// restarted helper inherits it), writes one Request and reads one Reply. Calls are
// independent, so the client is thread-safe and requests run in parallel in the helper.
// While the helper is down a request waits in the control socket until its successor
// takes it, bounded by a deadline; any failure is an Error the agent turns into a deferral.
#pragma once
#include <sys/types.h>

#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "delivery/command.hpp"
#include "delivery/maildir.hpp"
#include "delivery/mbox.hpp"
#include "delivery/pipe_run.hpp"
#include "delivery/privileged_wire.hpp"

namespace tern::delivery {

class PrivilegedDelivery {
 public:
  // `control_fd`: the queue role's end of the master's SOCK_SEQPACKET socketpair (not owned).
  explicit PrivilegedDelivery(int control_fd) : fd_(control_fd) {}

  // One round trip. An Error: the helper could not be reached or answered badly (a
  // malformed reply is logged as fatal by the caller's role: see call()).
  Result<privileged::Reply> call(const privileged::Request& r) const;

  Result<std::string> maildir(privileged::Purpose p, uid_t uid, gid_t gid, const std::string& dir,
                              const std::string& unique, std::string_view prefix, std::string_view content) const;
  // Several messages as one user in one request (delivery/maildir.hpp, deliver_maildirs):
  // one result per message, in order; all fail alike when the helper cannot be asked.
  std::vector<Result<std::string>> maildirs(privileged::Purpose p, uid_t uid, gid_t gid,
                                            std::span<const MaildirMessage> messages) const;
  MboxResult mbox(privileged::Purpose p, uid_t uid, gid_t gid, const std::string& path, std::string_view bytes,
                  const MboxOptions& opt) const;
  Result<CommandResult> command(uid_t uid, gid_t gid, const CommandSpec& spec) const;
  pipe::RunResult run_pipe(uid_t uid, gid_t gid, const pipe::RunSpec& spec) const;
  // A .forward or :include: file read as the user; `missing` when it does not exist.
  Result<std::string> read_file(uid_t uid, gid_t gid, const std::string& path, bool& missing) const;

 private:
  int fd_;
};

}  // namespace tern::delivery
