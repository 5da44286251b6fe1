// hash:, btree:, lmdb: lookups; see index.hpp. The environment and one read transaction
// stay open for the table's life; a lookup renews the transaction, copies the value out
// and resets it, which with MDB_NOLOCK touches no file and makes no system call. At most
// once per `recheck` a lookup stat()s the index, and when postmap has renamed a new one
// into place the table reopens it and carries on (the old mapping stays valid meanwhile).
#include <sys/stat.h>

#include <mutex>

#include "base/file.hpp"
#include "base/log.hpp"
#include "base/strings.hpp"
#include "maps/index.hpp"
#include "maps/lmdb_env.hpp"

namespace tern::maps {

namespace {

using Clock = std::chrono::steady_clock;

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

bool newer(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec > b.tv_sec : a.tv_nsec > b.tv_nsec;
}

void warn(const IndexOptions& o, const std::string& text) {
  if (o.warn) o.warn(text);
  else log::Logger("maps").warning("{}", text);
}

// One opened index file: its environment, the reusable read transaction, its identity.
struct Handle {
  lmdb::Env env;
  MDB_dbi dbi = 0;
  MDB_txn* txn = nullptr;  // reset between lookups
  struct stat st {};
  explicit Handle(lmdb::Env e) : env(std::move(e)) {}
  ~Handle() {
    if (txn) mdb_txn_abort(txn);
  }
};

class IndexMap : public Lookup {
 public:
  IndexMap(std::string spec, std::string path, std::string source, IndexOptions opts,
           std::unique_ptr<Handle> h)
      : Lookup(std::move(spec)), path_(std::move(path)), source_(std::move(source)),
        opts_(std::move(opts)), h_(std::move(h)), next_check_(Clock::now() + opts_.recheck) {}

  // Opens `path`, warning when `source` is newer.
  static Result<std::unique_ptr<Handle>> open(const std::string& spec, const std::string& path,
                                              const std::string& source, const IndexOptions& opts);

  Result<Found> find(std::string_view key) const override {
    std::string folded = opts_.fold_keys ? lower(key) : std::string(key);
    if (folded.empty() || folded.size() > kMaxIndexKey) return Found();
    std::lock_guard lock(mu_);
    maybe_reopen();
    MDB_val k = lmdb::val(folded), v;
    int rc = mdb_txn_renew(h_->txn);
    if (rc == 0) rc = mdb_get(h_->txn, h_->dbi, &k, &v);
    Result<Found> out = rc == 0              ? Result<Found>(Found(std::string(lmdb::view(v))))
                        : rc == MDB_NOTFOUND ? Result<Found>(Found())
                                             : Result<Found>(lmdb::error("table " + spec() + " lookup", rc));
    mdb_txn_reset(h_->txn);
    return out;
  }

 private:
  void maybe_reopen() const {
    auto now = Clock::now();
    if (now < next_check_) return;
    next_check_ = now + opts_.recheck;
    struct stat st {};
    // A vanished index keeps serving its last version; postmap never removes one.
    if (::stat(path_.c_str(), &st) != 0 || same_file(st, h_->st)) return;
    auto fresh = open(spec(), path_, source_, opts_);
    if (fresh) h_ = std::move(*fresh);
    else warn(opts_, fresh.error().message + " (still using the previous version)");
  }

  std::string path_, source_;
  IndexOptions opts_;
  mutable std::mutex mu_;
  mutable std::unique_ptr<Handle> h_;
  mutable Clock::time_point next_check_;
};

Result<std::unique_ptr<Handle>> IndexMap::open(const std::string& spec, const std::string& path,
                                               const std::string& source, const IndexOptions& opts) {
  // The identity is taken before the open: a rename in between makes the next recheck
  // reopen once more, never hides a new index.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    std::string hint = err != ENOENT ? ""
        : " (run \"postmap " + spec + "\", or \"postalias " + spec + "\" for an aliases file)";
    return Error{"table \"" + spec + "\": open database " + path + ": " + errno_text(err) + hint};
  }
  auto env = lmdb::Env::open(path, MDB_RDONLY | MDB_NOTLS, 0, 0);
  if (!env) return Error{"table \"" + spec + "\": " + env.error().message};
  auto h = std::make_unique<Handle>(std::move(*env));
  h->st = st;
  int rc = mdb_txn_begin(h->env.get(), nullptr, MDB_RDONLY, &h->txn);
  if (rc == 0) rc = mdb_dbi_open(h->txn, nullptr, 0, &h->dbi);
  if (rc != 0) return Error{"table \"" + spec + "\": " + lmdb::error(path, rc).message};
  mdb_txn_reset(h->txn);
  struct stat src {};
  if (::stat(source.c_str(), &src) == 0 && newer(src.st_mtim, h->st.st_mtim))
    warn(opts, "database " + path + " is older than source file " + source);
  return h;
}

}  // namespace

Result<std::unique_ptr<Lookup>> open_index(std::string spec, IndexType type, const std::string& source,
                                           const IndexOptions& opts) {
  std::string path = index_path(type, source);
  auto h = IndexMap::open(spec, path, source, opts);
  if (!h) return h.error();
  return std::unique_ptr<Lookup>(new IndexMap(std::move(spec), std::move(path), source, opts, std::move(*h)));
}

}  // namespace tern::maps
