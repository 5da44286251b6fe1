// Read-write cache tables; see cache_table.hpp. Each put/erase is its own LMDB write
// transaction; the file is not synced on each (MDB_NOSYNC): a cache lost in a crash costs
// only new probes, and an fsync per SMTP command would be a hot-path system call.
#include "maps/cache_table.hpp"

#include <map>

#include "base/strings.hpp"
#include "maps/index.hpp"
#include "maps/lmdb_env.hpp"

namespace tern::maps {

namespace {

class MemoryCache : public CacheTable {
 public:
  Result<std::optional<std::string>> get(std::string_view key) const override {
    auto it = entries_.find(lower(key));
    if (it == entries_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Status put(std::string_view key, std::string_view value) override {
    entries_[lower(key)] = std::string(value);
    return ok_status();
  }
  Status erase(std::string_view key) override {
    entries_.erase(lower(key));
    return ok_status();
  }
  Result<size_t> purge(const std::function<bool(std::string_view, std::string_view)>& drop) override {
    size_t n = std::erase_if(entries_, [&](const auto& kv) { return drop(kv.first, kv.second); });
    return n;
  }
  std::string where() const override { return "memory"; }

 private:
  std::map<std::string, std::string, std::less<>> entries_;
};

constexpr size_t kMapSize = size_t(1) << 30;  // address space; the file grows as used

class LmdbCache : public CacheTable {
 public:
  LmdbCache(std::string path, lmdb::Env env, MDB_dbi dbi) : path_(std::move(path)), env_(std::move(env)), dbi_(dbi) {}

  static Result<std::unique_ptr<CacheTable>> open(const std::string& path) {
    auto env = lmdb::Env::open(path, MDB_NOSYNC, kMapSize, 0600);
    if (!env) return env.error();
    lmdb::Txn txn;
    MDB_dbi dbi = 0;
    int rc = txn.begin(env->get(), 0);
    if (rc == 0) rc = mdb_dbi_open(txn.get(), nullptr, 0, &dbi);
    if (rc == 0) rc = txn.commit();
    if (rc != 0) return lmdb::error("open " + path, rc);
    return std::unique_ptr<CacheTable>(new LmdbCache(path, std::move(*env), dbi));
  }

  Result<std::optional<std::string>> get(std::string_view key) const override {
    std::string k = lower(key);
    if (k.empty() || k.size() > kMaxIndexKey) return std::optional<std::string>();
    lmdb::Txn txn;
    MDB_val kv = lmdb::val(k), v;
    int rc = txn.begin(env_.get(), MDB_RDONLY);
    if (rc == 0) rc = mdb_get(txn.get(), dbi_, &kv, &v);
    if (rc == MDB_NOTFOUND) return std::optional<std::string>();
    if (rc != 0) return lmdb::error(path_ + ": lookup", rc);
    return std::optional<std::string>(std::string(lmdb::view(v)));
  }

  Status put(std::string_view key, std::string_view value) override {
    std::string k = lower(key);
    if (k.empty() || k.size() > kMaxIndexKey) return Error{path_ + ": key empty or longer than the index allows"};
    return write([&](MDB_txn* t) {
      MDB_val kv = lmdb::val(k), v = lmdb::val(value);
      return mdb_put(t, dbi_, &kv, &v, 0);
    }, "update");
  }

  Status erase(std::string_view key) override {
    std::string k = lower(key);
    return write([&](MDB_txn* t) {
      MDB_val kv = lmdb::val(k);
      int rc = mdb_del(t, dbi_, &kv, nullptr);
      return rc == MDB_NOTFOUND ? 0 : rc;
    }, "delete");
  }

  Result<size_t> purge(const std::function<bool(std::string_view, std::string_view)>& drop) override {
    size_t n = 0;
    auto st = write([&](MDB_txn* t) {
      MDB_cursor* c = nullptr;
      int rc = mdb_cursor_open(t, dbi_, &c);
      MDB_val k, v;
      for (rc = rc ? rc : mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        if (!drop(lmdb::view(k), lmdb::view(v))) continue;
        if ((rc = mdb_cursor_del(c, 0)) != 0) break;
        ++n;
      }
      if (c) mdb_cursor_close(c);
      return rc == MDB_NOTFOUND ? 0 : rc;
    }, "purge");
    if (!st) return st.error();
    return n;
  }

  std::string where() const override { return path_; }

 private:
  template <class F>
  Status write(F f, const char* what) {
    lmdb::Txn txn;
    int rc = txn.begin(env_.get(), 0);
    if (rc == 0) rc = f(txn.get());
    if (rc == 0) rc = txn.commit();
    if (rc != 0) return lmdb::error(path_ + ": " + what, rc);
    return ok_status();
  }

  std::string path_;
  lmdb::Env env_;
  MDB_dbi dbi_;
};

}  // namespace

std::unique_ptr<CacheTable> memory_cache_table() { return std::make_unique<MemoryCache>(); }

Result<std::unique_ptr<CacheTable>> open_cache_table(std::string_view spec, std::string_view param) {
  std::string s(trim(spec));
  if (s.empty()) return memory_cache_table();
  auto colon = s.find(':');
  auto type = colon == std::string::npos ? std::nullopt : index_type(s.substr(0, colon));
  if (!type || colon + 1 >= s.size() || s[colon + 1] != '/')
    return Error{std::string(param) + " = " + s + ": use btree:/path, hash:/path or lmdb:/path, or nothing (in memory)"};
  auto t = LmdbCache::open(index_path(*type, s.substr(colon + 1)));
  if (!t) return Error{std::string(param) + ": " + t.error().message};
  return t;
}

}  // namespace tern::maps
