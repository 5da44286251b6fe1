// Writing to maildrop/; see maildrop.hpp.
#include "cli/maildrop.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <ctime>

#include "base/file.hpp"
#include "base/queue_id.hpp"
#include "queue/control.hpp"
#include "queue/queue_file.hpp"

namespace tern::cli {

Message local_message(std::string sender, std::vector<std::string> recipients,
                      std::string content) {
  Message m;
  auto& e = m.envelope;
  e.queue_id = make_queue_id();
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  e.arrival = double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
  e.client.protocol = "LOCAL";
  e.client.name = "localhost";
  e.client.addr = "127.0.0.1";
  e.sender = std::move(sender);
  for (auto& r : recipients) {
    Recipient rc;
    rc.address = std::move(r);
    e.recipients.push_back(std::move(rc));
  }
  m.content = std::move(content);
  return m;
}

namespace {
Status ensure_maildrop(const std::string& dir, const std::string& mail_owner) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) return ok_status();
  if (auto s = make_dirs(dir, 0700); !s) return s;
  // Anyone may drop a file; nobody may list or take others' (sticky, no read for others).
  if (::chmod(dir.c_str(), 01733) != 0) return Error{dir + ": chmod: " + errno_text(errno)};
  // Made by root before ternd ever ran: it must belong to mail_owner, whose queue role
  // lists it.
  if (::geteuid() == 0 && !mail_owner.empty())
    if (passwd* pw = ::getpwnam(mail_owner.c_str()); pw && ::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0)
      return Error{dir + ": chown: " + errno_text(errno)};
  return ok_status();
}
}  // namespace

Result<std::string> write_maildrop(const std::string& queue_directory, const Message& m,
                                   const std::string& mail_owner) {
  std::string dir = queue_directory + "/" + queue::kMaildrop;
  if (auto s = ensure_maildrop(dir, mail_owner); !s) return s.error();
  static std::atomic<unsigned> counter{0};
  std::string tmp = dir + "/.tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  std::string final_path = dir + "/" + m.envelope.queue_id;
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) return Error{tmp + ": create: " + errno_text(errno)};
    auto s = write_all(fd.get(), queue::encode_queue_file(m), tmp);
    if (s && ::geteuid() == 0 && !mail_owner.empty())
      if (passwd* pw = ::getpwnam(mail_owner.c_str()); pw && ::fchown(fd.get(), pw->pw_uid, pw->pw_gid) != 0)
        s = Error{tmp + ": chown: " + errno_text(errno)};
    if (s && ::fsync(fd.get()) != 0) s = Error{tmp + ": fsync: " + errno_text(errno)};
    if (!s) {
      ::unlink(tmp.c_str());
      return s.error();
    }
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Error{final_path + ": rename: " + errno_text(err)};
  }
  if (auto s = fsync_dir(dir); !s) return s.error();
  return m.envelope.queue_id;
}

bool request_pickup(const std::string& queue_directory) {
  return bool(queue::control_request(queue_directory, {queue::ControlVerb::pickup, ""}));
}

}  // namespace tern::cli
