// Maildir delivery; see maildir.hpp.
#include "delivery/maildir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "base/dir_sync.hpp"
#include "base/file.hpp"

namespace tern::delivery {

namespace {

std::string hostname_for_maildir() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  std::string h;
  for (const char* p = buf; *p; ++p) {  // maildir(5): '/' and ':' must not appear
    if (*p == '/') h += "\\057";
    else if (*p == ':') h += "\\072";
    else h += *p;
  }
  return h.empty() ? "localhost" : h;
}

std::string base_of(const std::string& maildir) {
  std::string base = maildir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base;
}

std::string name_of(const MaildirMessage& m) {
  static const std::string host = hostname_for_maildir();
  return fmt::format("{}.{},S={}", m.unique, host, m.prefix.size() + m.content.size());
}

// Writes tmp/NAME; the open descriptor, writeback already started when `start_writeback`.
Result<Fd> write_tmp(const std::string& tmp, const MaildirMessage& m, bool start_writeback) {
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return Error{"create maildir file " + tmp + ": " + errno_text(errno)};
  size_t total = m.prefix.size() + m.content.size();
  iovec iov[2] = {{const_cast<char*>(m.prefix.data()), m.prefix.size()},
                  {const_cast<char*>(m.content.data()), m.content.size()}};
  ssize_t n = ::writev(fd.get(), iov, 2);
  Status st = ok_status();
  if (n < 0) st = Error{"write " + tmp + ": " + errno_text(errno)};
  else if (size_t(n) < total) st = write_all(fd.get(), std::string(m.prefix).append(m.content).substr(size_t(n)), tmp);
  if (!st) {
    ::unlink(tmp.c_str());
    return st.error();
  }
  // Writeback of every file of a batch begins before the first fdatasync waits: the files'
  // writes go to the device together, and on a journalled file system their blocks are
  // allocated in the transaction that the first fdatasync's commit writes.
  if (start_writeback) (void)::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
  return fd;
}

}  // namespace

std::string maildir_final_path(const MaildirMessage& m) { return base_of(m.maildir) + "/new/" + name_of(m); }

Result<std::string> deliver_maildir(const std::string& maildir, const std::string& unique,
                                    std::string_view prefix, std::string_view content) {
  MaildirMessage m{maildir, unique, std::string(prefix), content};
  auto out = deliver_maildirs(std::span(&m, 1));
  return std::move(out.front());
}

std::vector<Result<std::string>> deliver_maildirs(std::span<const MaildirMessage> messages) {
  struct Item {
    std::string base, name, final_path, tmp;
    std::optional<Error> error;
    Fd fd;
    std::optional<size_t> same_as;  // an earlier message with the same final path
  };
  std::vector<Item> items(messages.size());
  std::set<std::string> made;               // Maildirs whose tmp/new/cur exist
  std::map<std::string, size_t> by_final;   // final path -> first message with it
  std::map<std::string, std::optional<DirectorySyncer::Writer>> new_dirs;
  bool batch = messages.size() > 1;
  for (size_t i = 0; i < messages.size(); ++i) {
    Item& it = items[i];
    it.base = base_of(messages[i].maildir);
    it.name = name_of(messages[i]);
    it.final_path = it.base + "/new/" + it.name;
    if (auto [at, fresh] = by_final.try_emplace(it.final_path, i); !fresh) {
      it.same_as = at->second;
      continue;
    }
    if (!made.count(it.base)) {
      Status s = ok_status();
      for (const char* sub : {"/tmp", "/new", "/cur"})
        if (s) s = make_dirs(it.base + sub, 0700);
      if (!s) {
        it.error = s.error();
        continue;
      }
      made.insert(it.base);
    }
    auto& dir = new_dirs[it.base + "/new"];
    if (!dir) dir.emplace(DirectorySyncer::shared().begin(it.base + "/new"));
    struct stat sb {};
    if (::stat(it.final_path.c_str(), &sb) == 0) continue;  // delivered before a crash: only new/ to sync
    it.tmp = it.base + "/tmp/" + it.name;
    auto fd = write_tmp(it.tmp, messages[i], batch);
    if (!fd) it.error = fd.error();
    else it.fd = std::move(*fd);
  }
  // The data of every file, then every name, then every new/ directory.
  for (Item& it : items) {
    if (!it.fd) continue;
    if (::fdatasync(it.fd.get()) != 0) {
      it.error = Error{"fsync " + it.tmp + ": " + errno_text(errno)};
      ::unlink(it.tmp.c_str());
    }
    it.fd = Fd();
  }
  for (Item& it : items) {
    if (it.tmp.empty() || it.error) continue;
    if (::rename(it.tmp.c_str(), it.final_path.c_str()) != 0) {
      int err = errno;
      ::unlink(it.tmp.c_str());
      it.error = Error{"rename " + it.tmp + " to new/: " + errno_text(err)};
    }
  }
  std::map<std::string, Status> synced;
  for (auto& [dir, writer] : new_dirs) synced.emplace(dir, writer->sync());
  std::vector<Result<std::string>> out;
  out.reserve(items.size());
  for (Item& it : items) {
    const Item& first = it.same_as ? items[*it.same_as] : it;
    if (first.error) {
      out.emplace_back(*first.error);
      continue;
    }
    const Status& dir = synced.at(first.base + "/new");
    if (!dir) out.emplace_back(dir.error());
    else out.emplace_back(first.final_path);
  }
  return out;
}

}  // namespace tern::delivery
