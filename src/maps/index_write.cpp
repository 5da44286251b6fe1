// Building and reading whole indexes; see index.hpp. A build writes a fresh LMDB file
// next to the index and renames it into place, so a reader sees the old index or the new
// one, never a half-written file.
#include <sys/stat.h>
#include <unistd.h>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "maps/index.hpp"
#include "maps/lmdb_env.hpp"

namespace tern::maps {

namespace {

// Room for the data with B-tree overhead; the map is address space, not disk: the file
// grows only to the pages used.
size_t map_size_for(const TableEntries& entries) {
  size_t bytes = 0;
  for (const auto& [k, v] : entries) bytes += k.size() + v.size() + 64;
  return 4 * bytes + (1u << 20);
}

Status check_keys(const TableEntries& entries) {
  for (const auto& [k, v] : entries) {
    if (k.empty()) return Error{"empty key"};
    if (k.size() > kMaxIndexKey)
      return Error{"key longer than " + std::to_string(kMaxIndexKey) + " bytes: \"" + printable(k, 60) + "\""};
  }
  return ok_status();
}

// Writes the entries into a new file at `tmp`; MDB_MAP_FULL comes back as `rc`.
Status fill(const std::string& tmp, const TableEntries& entries, size_t map_size, int& rc) {
  auto env = lmdb::Env::open(tmp, MDB_NOSYNC, map_size, 0600);
  if (!env) return env.error();
  lmdb::Txn txn;
  MDB_dbi dbi;
  rc = txn.begin(env->get(), 0);
  if (rc == 0) rc = mdb_dbi_open(txn.get(), nullptr, 0, &dbi);
  for (auto it = entries.begin(); rc == 0 && it != entries.end(); ++it) {
    MDB_val k = lmdb::val(it->first), v = lmdb::val(it->second);
    rc = mdb_put(txn.get(), dbi, &k, &v, MDB_APPEND);  // the map is already in LMDB's order
  }
  if (rc == 0) rc = txn.commit();
  if (rc == 0) rc = mdb_env_sync(env->get(), 1);
  if (rc != 0) return lmdb::error("write " + tmp, rc);
  return ok_status();
}

}  // namespace

std::optional<IndexType> index_type(std::string_view type) {
  std::string t = lower(type);
  if (t == "hash") return IndexType::hash;
  if (t == "btree") return IndexType::btree;
  if (t == "lmdb") return IndexType::lmdb;
  return std::nullopt;
}

std::string index_path(IndexType type, std::string_view source) {
  return std::string(source) + (type == IndexType::lmdb ? ".lmdb" : ".db");
}

Status write_index(const std::string& path, const TableEntries& entries, int mode) {
  if (auto s = check_keys(entries); !s) return Error{path + ": " + s.error().message};
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  size_t map_size = map_size_for(entries);
  for (;;) {
    ::unlink(tmp.c_str());
    int rc = 0;
    auto st = fill(tmp, entries, map_size, rc);
    if (rc == MDB_MAP_FULL && map_size < (size_t(1) << 40)) {
      map_size *= 2;
      continue;
    }
    if (st && ::chmod(tmp.c_str(), mode_t(mode)) != 0) st = Error{tmp + ": chmod: " + errno_text(errno)};
    if (st && ::rename(tmp.c_str(), path.c_str()) != 0) st = Error{path + ": rename: " + errno_text(errno)};
    if (!st) {
      ::unlink(tmp.c_str());
      return st;
    }
    return fsync_dir(dir_name(path));
  }
}

Result<TableEntries> read_index(const std::string& path) {
  auto env = lmdb::Env::open(path, MDB_RDONLY, 0, 0);
  if (!env) return env.error();
  lmdb::Txn txn;
  MDB_dbi dbi;
  MDB_cursor* cur = nullptr;
  int rc = txn.begin(env->get(), MDB_RDONLY);
  if (rc == 0) rc = mdb_dbi_open(txn.get(), nullptr, 0, &dbi);
  if (rc == 0) rc = mdb_cursor_open(txn.get(), dbi, &cur);
  if (rc != 0) return lmdb::error("read " + path, rc);
  TableEntries out;
  MDB_val k, v;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
    out.emplace_hint(out.end(), lmdb::view(k), lmdb::view(v));
  mdb_cursor_close(cur);
  if (rc != MDB_NOTFOUND) return lmdb::error("read " + path, rc);
  return out;
}

}  // namespace tern::maps
