// The records between the queue role and the privileged delivery helper
// (daemon/privileged_role.cpp): one Request per connection, one Reply back. Both are
// typed, versioned wire.hpp frames; a decoder checks every field, the operation's
// required fields, and that it read exactly to the end. A malformed record is fatal to
// whichever side receives it.
//
// Exposes: Op, Purpose, Request, Reply, refusal(), encode() and the two decoders.
// Pure: no I/O.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/wire.hpp"
#include "delivery/mbox.hpp"

namespace tern::delivery::privileged {

inline constexpr uint16_t kRequestType = 0x5052;  // "PR"
inline constexpr uint16_t kReplyType = 0x5050;    // "PP"
inline constexpr uint16_t kVersion = 2;
inline constexpr uint32_t kMaxMaildirs = 256;  // messages in one maildirs request

// The one thing a request does, as the target user.
enum class Op : uint8_t {
  maildir = 1,    // deliver_maildir(path, unique, prefix, content)
  mbox = 2,       // append_mbox(path, content, mbox)
  command = 3,    // delivery::run_command (local(8): argv as given, output_limit)
  pipe = 4,       // pipe::run_command (pipe(8): argv[0] looked up in /usr/bin:/bin)
  read_file = 5,  // a .forward or :include: file: regular, not world-writable, owned by root or uid
  maildirs = 6,   // deliver_maildirs(maildirs): several messages, flushed together
};

// One message of a maildirs request (delivery/maildir.hpp's MaildirMessage, owning its bytes).
struct MaildirItem {
  std::string path, unique, prefix, content;
};

// One message's answer in a maildirs reply.
struct MaildirAnswer {
  bool ok = false;
  std::string text;  // ok: the final path; else why it failed
};

// Which agent asks: it sets the lowest uid the helper accepts (virtual_minimum_uid for
// virtual; 1 otherwise: never root).
enum class Purpose : uint8_t { local = 1, virtual_mailbox = 2, pipe = 3 };

struct Request {
  Op op = Op::maildir;
  Purpose purpose = Purpose::local;
  uint32_t uid = 0, gid = 0;
  std::string path;     // maildir directory, mbox file, file to read
  std::string unique;   // maildir: the unique part of the name
  std::string prefix;   // maildir: written before content
  std::string content;  // maildir/mbox: the bytes; command/pipe: stdin
  MboxOptions mbox;     // mbox
  std::vector<std::string> argv, env;  // command/pipe
  std::string cwd;                     // command/pipe ("" = unchanged)
  double time_limit = 1000;            // command/pipe, seconds
  uint64_t output_limit = 2048;        // command: bytes of output kept
  std::vector<MaildirItem> maildirs;   // maildirs: at least one, at most kMaxMaildirs
};

struct Reply {
  enum class Code : uint8_t { ok = 0, failed = 1, refused = 2 };
  Code code = Code::failed;
  uint32_t kind = 0;   // mbox: MboxResult::Kind; command: CommandResult::End; pipe: RunResult::How
  int32_t status = 0;  // command/pipe: exit status or signal
  int32_t err = 0;     // errno of a failure (read_file: ENOENT when missing); pipe: write_errno
  std::string text;    // ok: maildir's final path, the file read, the command output; else why
  std::vector<MaildirAnswer> maildirs;  // maildirs (ok): one per message, in order
};

// Why the helper refuses `r`'s target identity, nullopt when it may run as it: never uid
// or gid 0, and for virtual mailboxes no uid below `minimum_virtual_uid`.
std::optional<std::string> refusal(const Request& r, long long minimum_virtual_uid);

std::string encode(const Request& r);
std::string encode(const Reply& r);
// `max_content` bounds content (message_size_limit plus slack), for a maildirs request each
// message's; 0: only wire's frame limit.
Result<Request> decode_request(const wire::Frame& f, uint64_t max_content = 0);
Result<Reply> decode_reply(const wire::Frame& f);

}  // namespace tern::delivery::privileged
