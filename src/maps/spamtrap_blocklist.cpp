// The spam trap blocklist and the spamtrap: table type; see spamtrap_blocklist.hpp.
#include "maps/spamtrap_blocklist.hpp"

#include <ctime>
#include <map>

#include "base/file.hpp"
#include "base/log.hpp"
#include "base/strings.hpp"
#include "maps/index.hpp"
#include "maps/lmdb_env.hpp"

namespace tern::maps {

namespace {

constexpr size_t kMapSize = size_t(64) << 20;  // room for hundreds of thousands of clients
constexpr int64_t kPurgeInterval = 3600;

// "lmdb:PATH" or "PATH" → the LMDB file's path.
Result<std::string> blocklist_file(std::string_view spec, const std::string& config_dir) {
  std::string_view name = spec;
  if (auto colon = spec.find(':'); colon != std::string_view::npos) {
    if (lower(spec.substr(0, colon)) != "lmdb")
      return Error{"spam trap blocklist \"" + printable(spec, 200) + "\": only lmdb: databases are supported"};
    name = spec.substr(colon + 1);
  }
  if (trim(name).empty()) return Error{"spam trap blocklist \"" + printable(spec, 200) + "\": no file name"};
  return index_path(IndexType::lmdb, resolve_path(config_dir, trim(name)));
}

// One store per file in this process (LMDB's rule); weak, so the last user closes it.
std::mutex g_open_mu;
std::map<std::string, std::weak_ptr<Blocklist>>& open_stores() {
  static std::map<std::string, std::weak_ptr<Blocklist>> stores;
  return stores;
}

}  // namespace

struct Blocklist::Env {
  lmdb::Env env;
  MDB_dbi dbi = 0;
};

Blocklist::Blocklist(std::string file, Warn warn) : file_(std::move(file)), warn_(std::move(warn)) {}
Blocklist::~Blocklist() = default;

Result<std::shared_ptr<Blocklist>> Blocklist::open(std::string_view spec, const std::string& config_dir, Warn warn) {
  auto file = blocklist_file(spec, config_dir);
  if (!file) return file.error();
  std::lock_guard lock(g_open_mu);
  if (auto known = open_stores()[*file].lock()) return known;
  if (auto slash = file->rfind('/'); slash != std::string::npos && slash > 0)
    if (auto st = make_dirs(file->substr(0, slash), 0755); !st)
      return Error{"spam trap blocklist " + *file + ": " + st.error().message};
  auto env = lmdb::Env::open(*file, MDB_NOTLS | MDB_NOSYNC, kMapSize, 0640, true);
  if (!env) return Error{"spam trap blocklist: " + env.error().message};
  std::shared_ptr<Blocklist> b(new Blocklist(*file, std::move(warn)));
  b->env_ = std::make_unique<Env>(Env{std::move(*env), 0});
  lmdb::Txn txn;
  int rc = txn.begin(b->env_->env.get(), 0);
  if (rc == 0) rc = mdb_dbi_open(txn.get(), nullptr, 0, &b->env_->dbi);
  if (rc == 0) rc = txn.commit();
  if (rc != 0) return lmdb::error("spam trap blocklist " + *file, rc);
  open_stores()[*file] = b;
  return b;
}

Result<BlockRecord> Blocklist::block(std::string_view client, std::string_view trap, std::string_view action,
                                     int64_t now, int64_t block_time) {
  if (client.empty() || client.size() > kMaxIndexKey) return Error{"spam trap blocklist: bad client key"};
  std::lock_guard lock(mu_);
  lmdb::Txn txn;
  int rc = txn.begin(env_->env.get(), 0);
  if (rc != 0) return lmdb::error("spam trap blocklist " + file_, rc);
  BlockRecord r{now, now + block_time, 1, std::string(trap), std::string(action)};
  MDB_val k = lmdb::val(client), v;
  if (mdb_get(txn.get(), env_->dbi, &k, &v) == 0)
    if (auto old = parse_block_record(lmdb::view(v)); old && old->current(now)) {
      r.since = old->since;
      r.hits = old->hits < UINT32_MAX ? old->hits + 1 : old->hits;
    }
  std::string text = format_block_record(r);
  MDB_val nv = lmdb::val(text);
  rc = mdb_put(txn.get(), env_->dbi, &k, &nv, 0);
  if (rc == 0 && now >= next_purge_) {
    next_purge_ = now + kPurgeInterval;
    size_t removed = 0;
    if (auto st = purge_in(txn.get(), now, &removed); !st) return st.error();
  }
  if (rc == 0) rc = txn.commit();
  if (rc != 0) return lmdb::error("spam trap blocklist " + file_, rc);
  return r;
}

Result<std::optional<BlockRecord>> Blocklist::find(std::string_view client, int64_t now) const {
  if (client.empty() || client.size() > kMaxIndexKey) return std::optional<BlockRecord>();
  std::string value;
  {
    std::lock_guard lock(mu_);
    lmdb::Txn txn;
    int rc = txn.begin(env_->env.get(), MDB_RDONLY);
    MDB_val k = lmdb::val(client), v;
    if (rc == 0) rc = mdb_get(txn.get(), env_->dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return std::optional<BlockRecord>();
    if (rc != 0) return lmdb::error("spam trap blocklist " + file_ + " lookup", rc);
    value = lmdb::view(v);
  }
  auto r = parse_block_record(value);
  if (!r) {
    std::string text = "spam trap blocklist " + file_ + ": malformed record for " + printable(client, 100) + ": " +
                       r.error().message + " (ignored)";
    if (warn_) warn_(text);
    else log::Logger("maps").warning("{}", text);
    return std::optional<BlockRecord>();
  }
  if (!r->current(now)) return std::optional<BlockRecord>();
  return std::optional<BlockRecord>(std::move(*r));
}

Status Blocklist::purge_in(void* t, int64_t now, size_t* removed) {
  MDB_txn* txn = static_cast<MDB_txn*>(t);
  MDB_cursor* cur = nullptr;
  int rc = mdb_cursor_open(txn, env_->dbi, &cur);
  if (rc != 0) return lmdb::error("spam trap blocklist " + file_, rc);
  MDB_val k, v;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    auto r = parse_block_record(lmdb::view(v));
    if (r && r->current(now)) continue;
    rc = mdb_cursor_del(cur, 0);
    if (rc != 0) break;
    ++*removed;
  }
  mdb_cursor_close(cur);
  if (rc != 0 && rc != MDB_NOTFOUND) return lmdb::error("spam trap blocklist " + file_ + " purge", rc);
  return ok_status();
}

Result<size_t> Blocklist::purge(int64_t now) {
  std::lock_guard lock(mu_);
  lmdb::Txn txn;
  int rc = txn.begin(env_->env.get(), 0);
  if (rc != 0) return lmdb::error("spam trap blocklist " + file_, rc);
  size_t removed = 0;
  if (auto st = purge_in(txn.get(), now, &removed); !st) return st.error();
  rc = txn.commit();
  if (rc != 0) return lmdb::error("spam trap blocklist " + file_, rc);
  return removed;
}

Result<bool> Blocklist::erase(std::string_view client) {
  if (client.empty() || client.size() > kMaxIndexKey) return false;
  std::lock_guard lock(mu_);
  lmdb::Txn txn;
  int rc = txn.begin(env_->env.get(), 0);
  MDB_val k = lmdb::val(client);
  if (rc == 0) rc = mdb_del(txn.get(), env_->dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return false;
  if (rc == 0) rc = txn.commit();
  if (rc != 0) return lmdb::error("spam trap blocklist " + file_, rc);
  return true;
}

Result<std::vector<std::pair<std::string, std::string>>> Blocklist::entries() const {
  std::vector<std::pair<std::string, std::string>> out;
  std::lock_guard lock(mu_);
  lmdb::Txn txn;
  int rc = txn.begin(env_->env.get(), MDB_RDONLY);
  MDB_cursor* cur = nullptr;
  if (rc == 0) rc = mdb_cursor_open(txn.get(), env_->dbi, &cur);
  if (rc != 0) return lmdb::error("spam trap blocklist " + file_, rc);
  MDB_val k, v;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    out.emplace_back(lmdb::view(k), lmdb::view(v));
  mdb_cursor_close(cur);
  if (rc != MDB_NOTFOUND) return lmdb::error("spam trap blocklist " + file_, rc);
  return out;
}

namespace {

// spamtrap:NAME: a listed client's action while its block lasts.
class SpamtrapTable : public Lookup {
 public:
  SpamtrapTable(std::string spec, std::shared_ptr<Blocklist> b) : Lookup(std::move(spec)), b_(std::move(b)) {}
  Result<Found> find(std::string_view key) const override {
    auto r = b_->find(key, int64_t(std::time(nullptr)));
    if (!r) return r.error();
    if (!*r) return Found();
    return Found((*r)->action);
  }

 private:
  std::shared_ptr<Blocklist> b_;
};

}  // namespace

Result<std::unique_ptr<Lookup>> open_spamtrap(std::string spec, std::string_view name, const OpenContext& ctx) {
  if (trim(name).empty())
    return Error{"table \"" + spec + "\": name the blocklist, e.g. spamtrap:$spamtrap_blocklist_database"};
  auto b = Blocklist::open(name, ctx.config_dir);
  if (!b) return Error{"table \"" + spec + "\": " + b.error().message};
  return std::unique_ptr<Lookup>(new SpamtrapTable(std::move(spec), std::move(*b)));
}

}  // namespace tern::maps
