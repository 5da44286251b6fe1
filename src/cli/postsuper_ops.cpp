// postsuper's queue file operations; see postsuper_ops.hpp.
#include "cli/postsuper_ops.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "base/file.hpp"
#include "base/queue_id.hpp"
#include "queue/queue_file.hpp"

namespace tern::cli {

namespace {

constexpr long kMaxTempAge = 24 * 60 * 60;  // like Postfix: temp files older than a day

// Whether `op` may take a message out of `queue`.
bool applies(SuperOp op, std::string_view queue) {
  switch (op) {
    case SuperOp::remove: return true;
    case SuperOp::hold: return queue != "maildrop" && queue != "hold" && queue != "corrupt";
    case SuperOp::release: return queue == "hold";
    case SuperOp::requeue:
    case SuperOp::expire:
    case SuperOp::expire_release: return queue != "maildrop" && queue != "corrupt";
  }
  return false;
}

std::vector<std::string> sorted_entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (std::string_view(e->d_name) != "." && std::string_view(e->d_name) != "..")
        out.emplace_back(e->d_name);
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

double now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

}  // namespace

bool is_super_queue(std::string_view name) {
  return std::find(std::begin(kSuperQueues), std::end(kSuperQueues), name) != std::end(kSuperQueues);
}

std::vector<std::string> default_queues(SuperOp op) {
  if (op == SuperOp::hold) return {"incoming", "active", "deferred"};
  if (op == SuperOp::release) return {"hold"};
  return {"maildrop", "incoming", "active", "deferred", "hold"};
}

std::vector<std::string> read_id_lines(std::string_view text) {
  std::vector<std::string> ids;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    ids.emplace_back(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  }
  return ids;
}

std::string count_line(std::string_view what, int n) {
  return std::string(what) + ": " + std::to_string(n) + " message" + (n > 1 ? "s" : "");
}

std::string Superintendent::path(const std::string& queue, const std::string& id) const {
  return dir_ + "/" + queue + "/" + id;
}

bool Superintendent::rename_to(const std::string& id, const std::string& from,
                               const std::string& to) {
  std::string a = path(from, id), b = path(to, id);
  if (::rename(a.c_str(), b.c_str()) != 0) {
    if (errno != ENOENT) warn_("rename file " + a + " as " + b + ": " + errno_text(errno));
    return false;
  }
  // Both directory entries durable: the file is in exactly one queue after a crash.
  (void)fsync_dir(dir_ + "/" + to);
  (void)fsync_dir(dir_ + "/" + from);
  changed_ = true;
  return true;
}

bool Superintendent::act(SuperOp op, const std::string& id, const std::string& queue, bool quiet) {
  auto say = [&](const char* what) {
    if (!quiet) info_(id + ": " + what);
  };
  switch (op) {
    case SuperOp::remove: {
      std::string p = path(queue, id);
      if (::unlink(p.c_str()) != 0) {
        if (errno != ENOENT) warn_("remove file " + p + ": " + errno_text(errno));
        return false;
      }
      (void)fsync_dir(dir_ + "/" + queue);
      changed_ = true;
      ++deleted_;
      say("removed");
      return true;
    }
    case SuperOp::hold:
      if (!rename_to(id, queue, "hold")) return false;
      ++held_;
      say("placed on hold");
      return true;
    case SuperOp::release:
      if (!rename_to(id, queue, "deferred")) return false;
      ++released_;
      say("released from hold");
      return true;
    case SuperOp::requeue: {
      // incoming/ is where the daemon takes new work from; the fresh mtime makes the
      // message due now.
      if (!rename_to(id, queue, "incoming")) return false;
      ::utimensat(AT_FDCWD, path("incoming", id).c_str(), nullptr, 0);
      ++requeued_;
      say("requeued");
      return true;
    }
    case SuperOp::expire:
    case SuperOp::expire_release: {
      std::string p = path(queue, id);
      Fd fd(::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
      if (!fd) {
        if (errno != ENOENT) warn_("expire file " + p + ": " + errno_text(errno));
        return false;
      }
      if (auto s = write_all(fd.get(), queue::encode_forced_expire(now()), p); !s) {
        warn_("expire file " + p + ": " + s.error().message);
        return false;
      }
      ::fdatasync(fd.get());
      changed_ = true;
      ++expired_;
      say("expired");
      if (op == SuperOp::expire_release && queue == "hold" && rename_to(id, queue, "deferred")) {
        ++released_;
        say("released from hold");
      }
      return true;
    }
  }
  return false;
}

bool Superintendent::one(SuperOp op, const std::string& id, const std::vector<std::string>& queues) {
  if (!is_valid_queue_id(id)) {
    warn_("invalid mail queue id: " + id);
    return false;
  }
  for (const auto& q : queues) {
    if (!applies(op, q)) continue;
    struct stat st {};
    if (::stat(path(q, id).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (act(op, id, q, false)) return true;  // else it moved meanwhile: look on
  }
  return false;
}

void Superintendent::all(SuperOp op, const std::vector<std::string>& queues) {
  for (const auto& q : queues) {
    if (!applies(op, q)) continue;
    for (const auto& name : sorted_entries(dir_ + "/" + q))
      if (is_valid_queue_id(name)) act(op, name, q, true);
  }
}

void Superintendent::structure_check(const std::vector<std::string>& queues, bool purge) {
  std::time_t t = std::time(nullptr);
  for (const auto& q : queues) {
    if (q == "corrupt") continue;
    for (const auto& name : sorted_entries(dir_ + "/" + q)) {
      std::string p = path(q, name);
      struct stat st {};
      if (::lstat(p.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
      bool stale = t > st.st_mtime + kMaxTempAge;
      if (!is_valid_queue_id(name)) {
        if (purge && stale && name.rfind(".tmp.", 0) == 0) ::unlink(p.c_str());
        else if (name.rfind(".tmp.", 0) != 0) warn_("bogus file name: " + p);
        continue;
      }
      auto text = read_file(p);
      if (!text) continue;
      auto pf = queue::parse_queue_file(*text);
      if (pf.status == queue::ParseStatus::unsealed) {
        // Never acknowledged; a day old means its writer is long gone.
        if (purge && stale && ::unlink(p.c_str()) == 0) changed_ = true;
      } else if (pf.status == queue::ParseStatus::malformed) {
        warn_(name + ": malformed queue file (" + pf.error + "): moved to corrupt");
        rename_to(name, q, "corrupt");
      }
    }
  }
}

std::vector<std::string> Superintendent::report() const {
  std::vector<std::string> out;
  if (requeued_ > 0) out.push_back(count_line("Requeued", requeued_));
  if (deleted_ > 0) out.push_back(count_line("Deleted", deleted_));
  if (expired_ > 0) out.push_back(count_line("Force-expired", expired_));
  if (held_ > 0) out.push_back(count_line("Placed on hold", held_));
  if (released_ > 0) out.push_back(count_line("Released from hold", released_));
  return out;
}

}  // namespace tern::cli
