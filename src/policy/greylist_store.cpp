// The greylist's LMDB file; see greylist_store.hpp.
#include "policy/greylist_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "base/file.hpp"

namespace tern::policy {

namespace {

std::string_view cut(std::string_view key) { return key.substr(0, kMaxGreylistKey); }

}  // namespace

namespace {

// The stores open in this process, by path.
std::mutex registry_mu;
std::map<std::string, std::weak_ptr<GreylistStore>> registry;

}  // namespace

Result<std::shared_ptr<GreylistStore>> GreylistStore::open(const std::string& path, size_t map_size,
                                                           bool must_exist) {
  std::lock_guard lock(registry_mu);
  if (auto it = registry.find(path); it != registry.end())
    if (auto open = it->second.lock()) return open;
  struct stat st;
  if (must_exist && ::stat(path.c_str(), &st) != 0) return Error{path + ": " + errno_text(errno)};
  if (auto s = make_dirs(dir_name(path), 0700); !s) return s.error();
  auto env = maps::lmdb::Env::open(path, MDB_NOMETASYNC, map_size, 0600, true, 2);
  if (!env) return env.error();
  maps::lmdb::Txn txn;
  MDB_dbi triplets = 0, clients = 0;
  int rc = txn.begin(env->get(), 0);
  if (rc == MDB_MAP_RESIZED) {
    rc = mdb_env_set_mapsize(env->get(), 0);
    if (rc == 0) rc = txn.begin(env->get(), 0);
  }
  if (rc == 0) rc = mdb_dbi_open(txn.get(), "triplets", MDB_CREATE, &triplets);
  if (rc == 0) rc = mdb_dbi_open(txn.get(), "clients", MDB_CREATE, &clients);
  if (rc == 0) rc = txn.commit();
  if (rc != 0) return maps::lmdb::error("open database " + path, rc);
  MDB_envinfo info;
  mdb_env_info(env->get(), &info);
  std::shared_ptr<GreylistStore> store(
      new GreylistStore(path, std::move(*env), triplets, clients, std::max(map_size, info.me_mapsize)));
  registry[path] = store;
  return store;
}

// Begins a transaction, adopting a map another process grew.
int GreylistStore::begin(maps::lmdb::Txn& txn, unsigned flags) {
  int rc = txn.begin(env_.get(), flags);
  if (rc == MDB_MAP_RESIZED) {
    rc = mdb_env_set_mapsize(env_.get(), 0);
    if (rc == 0) rc = txn.begin(env_.get(), flags);
    MDB_envinfo info;
    if (rc == 0 && mdb_env_info(env_.get(), &info) == 0) map_size_ = std::max(map_size_, info.me_mapsize);
  }
  return rc;
}

Status GreylistStore::grow() {
  if (map_size_ >= (size_t(1) << 40)) return Error{path_ + ": database full at " + std::to_string(map_size_) + " bytes"};
  int rc = mdb_env_set_mapsize(env_.get(), map_size_ * 2);
  if (rc != 0) return maps::lmdb::error("grow database " + path_, rc);
  map_size_ *= 2;
  return ok_status();
}

Result<std::optional<std::string>> GreylistStore::Txn::get(GreylistTable t, std::string_view key) {
  MDB_val k = maps::lmdb::val(cut(key)), v;
  int rc = mdb_get(txn_, store_.dbi(t), &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>{};
  if (rc != 0) return maps::lmdb::error("read " + store_.path_, rc);
  return std::optional<std::string>{std::string(maps::lmdb::view(v))};
}

Status GreylistStore::Txn::put(GreylistTable t, std::string_view key, std::string_view value) {
  if (key.empty()) return Error{"empty greylist key"};
  MDB_val k = maps::lmdb::val(cut(key)), v = maps::lmdb::val(value);
  int rc = mdb_put(txn_, store_.dbi(t), &k, &v, 0);
  if (rc == MDB_MAP_FULL) map_full_ = rc;
  if (rc != 0) return maps::lmdb::error("write " + store_.path_, rc);
  return ok_status();
}

Status GreylistStore::write(const std::function<Status(Txn&)>& body) {
  std::lock_guard lock(mu_);
  for (;;) {
    Status s = ok_status();
    int rc = 0;
    bool full = false;
    {
      maps::lmdb::Txn txn;  // aborted at the end of the block unless committed
      if ((rc = begin(txn, 0)) != 0) return maps::lmdb::error("write " + path_, rc);
      Txn t(txn.get(), *this);
      s = body(t);
      full = t.map_full_ != 0;
      if (s && !full) rc = txn.commit();
      full = full || rc == MDB_MAP_FULL;
    }
    if (full) {
      if (auto g = grow(); !g) return g;
      continue;
    }
    if (!s) return s;
    if (rc != 0) return maps::lmdb::error("write " + path_, rc);
    return ok_status();
  }
}

Status GreylistStore::each(GreylistTable t,
                           const std::function<void(std::string_view key, std::string_view value)>& fn) {
  std::lock_guard lock(mu_);
  maps::lmdb::Txn txn;
  MDB_cursor* cur = nullptr;
  int rc = begin(txn, MDB_RDONLY);
  if (rc == 0) rc = mdb_cursor_open(txn.get(), dbi(t), &cur);
  if (rc != 0) return maps::lmdb::error("read " + path_, rc);
  MDB_val k, v;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    fn(maps::lmdb::view(k), maps::lmdb::view(v));
  mdb_cursor_close(cur);
  if (rc != MDB_NOTFOUND) return maps::lmdb::error("read " + path_, rc);
  return ok_status();
}

Result<GreylistStore::Counts> GreylistStore::remove_if(GreylistTable t,
                                                       const std::function<bool(std::string_view value)>& expired) {
  std::lock_guard lock(mu_);
  for (;;) {
    Counts n;
    int rc = 0;
    {
      maps::lmdb::Txn txn;
      MDB_cursor* cur = nullptr;
      rc = begin(txn, 0);
      if (rc == 0) rc = mdb_cursor_open(txn.get(), dbi(t), &cur);
      if (rc != 0) return maps::lmdb::error("purge " + path_, rc);
      MDB_val k, v;
      // After mdb_cursor_del the cursor's MDB_NEXT yields the record that followed.
      for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        if (!expired(maps::lmdb::view(v))) {
          ++n.kept;
          continue;
        }
        if ((rc = mdb_cursor_del(cur, 0)) != 0) break;
        ++n.removed;
      }
      mdb_cursor_close(cur);
      if (rc == MDB_NOTFOUND) rc = txn.commit();
    }
    if (rc == MDB_MAP_FULL) {  // copy-on-write pages for the deletions
      if (auto g = grow(); !g) return g.error();
      continue;
    }
    if (rc != 0) return maps::lmdb::error("purge " + path_, rc);
    return n;
  }
}

}  // namespace tern::policy
