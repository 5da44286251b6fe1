// mbox copy format and the locked, all-or-nothing append; see mbox.hpp. Locks are in
// mbox_lock.cpp.
#include "delivery/mbox.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/file.hpp"
#include "base/strings.hpp"

namespace tern::delivery {

namespace {

// asctime(3)'s layout, as Postfix prints it with "%.24s": "Sun Nov  2 04:38:55 2026".
std::string asctime_text(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return std::string(buf, n);
}

MboxResult result(MboxResult::Kind k, std::string text) { return {k, std::move(text)}; }

}  // namespace

std::string format_copy(const MboxCopy& c, std::string_view content) {
  std::string out;
  out.reserve(content.size() + c.headers.size() + 128);
  if (c.from_line)
    out += "From " + (c.sender.empty() ? std::string("MAILER-DAEMON") : c.sender) + "  " +
           asctime_text(c.when) + "\n";
  out += c.headers;
  size_t i = 0;
  while (i < content.size()) {
    size_t nl = content.find('\n', i);
    size_t end = nl == std::string_view::npos ? content.size() : nl + 1;
    std::string_view line = content.substr(i, end - i);
    if (c.quote_from && line.substr(0, 5) == "From ") out += '>';
    out += line;
    i = end;
  }
  if (!out.empty() && out.back() != '\n') out += '\n';  // every copy ends its last line
  if (c.blank_line) out += '\n';
  return out;
}

Result<std::vector<LockMethod>> parse_lock_methods(const std::vector<std::string>& names) {
  std::vector<LockMethod> out;
  for (const auto& n : names) {
    if (iequals(n, "fcntl")) out.push_back(LockMethod::fcntl);
    else if (iequals(n, "flock")) out.push_back(LockMethod::flock);
    else if (iequals(n, "dotlock")) out.push_back(LockMethod::dotlock);
    else return Error{"unknown mailbox lock method \"" + printable(n, 40) + "\" (expected fcntl, flock or dotlock)"};
  }
  return out;
}

MboxResult append_mbox(const std::string& path, std::string_view bytes, const MboxOptions& opt) {
  using K = MboxResult::Kind;
  // O_NOFOLLOW: a symlink planted in place of the mailbox is not followed (Postfix's
  // safe_open refuses them too); O_APPEND keeps concurrent writers of other programs at
  // the end even if they do not lock.
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
  if (!fd) {
    int err = errno;
    if (err == EACCES || err == EPERM || err == EROFS) return result(K::denied, "cannot open " + path + ": " + errno_text(err));
    if (err == ELOOP) return result(K::bad_file, "cannot open " + path + ": it is a symbolic link");
    if (err == EISDIR) return result(K::bad_file, "cannot deliver to " + path + ": not a regular file");
    return result(K::failed, "cannot open " + path + ": " + errno_text(err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return result(K::failed, "cannot stat " + path + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return result(K::bad_file, "cannot deliver to " + path + ": not a regular file");
  if (st.st_nlink > 1) return result(K::bad_file, "cannot deliver to " + path + ": file has " + std::to_string(st.st_nlink) + " hard links");
  K why = K::failed;
  auto locks = MboxLocks::acquire(fd.get(), path, opt, why);
  if (!locks) return result(why, locks.error().message);
  // The size now that nobody else is appending: what a failure truncates back to.
  if (::fstat(fd.get(), &st) != 0) return result(K::failed, "cannot stat " + path + ": " + errno_text(errno));
  off_t original = st.st_size;
  if (opt.size_limit > 0 && original + (long long)bytes.size() > opt.size_limit)
    return result(K::too_big, "cannot append message to " + path + ": mailbox would exceed mailbox_size_limit (" +
                                  std::to_string(opt.size_limit) + " bytes)");
  int err = 0;
  size_t done = 0;
  while (done < bytes.size() && err == 0) {
    ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n > 0) done += size_t(n);
    else if (n < 0 && errno != EINTR) err = errno;
  }
  if (err == 0 && ::fsync(fd.get()) != 0) err = errno;
  if (err == 0) return result(K::written, path);
  // All or nothing: back to the size it had, so no reader ever sees half a message.
  if (::ftruncate(fd.get(), original) != 0 || ::fsync(fd.get()) != 0)
    return result(K::failed, "cannot append message to " + path + ": " + errno_text(err) +
                                 "; truncating it back failed too: " + errno_text(errno));
  if (err == EFBIG || err == EDQUOT || err == ENOSPC)
    return result(err == EFBIG ? K::too_big : K::failed, "cannot append message to " + path + ": " + errno_text(err));
  return result(K::failed, "cannot append message to " + path + ": " + errno_text(err));
}

}  // namespace tern::delivery
