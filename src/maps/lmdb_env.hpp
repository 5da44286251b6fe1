// Small owners for LMDB handles, shared by the index writer and reader (maps/) and the
// databases processes update in place (the spam trap blocklist, the greylist). Every
// environment is one file (MDB_NOSUBDIR). Indexes have no lock file (MDB_NOLOCK; see
// index.hpp for why that is safe); databases written by several processes at once keep
// LMDB's lock file ("FILE-lock").
#pragma once
#include <lmdb.h>

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::maps::lmdb {

inline Error error(const std::string& what, int rc) { return Error{what + ": " + mdb_strerror(rc)}; }

inline MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

class Env {
 public:
  Env() = default;
  Env(Env&& o) noexcept : env_(o.env_) { o.env_ = nullptr; }
  Env& operator=(Env&&) = delete;
  ~Env() {
    if (env_) mdb_env_close(env_);
  }
  MDB_env* get() const { return env_; }

  // Opens `path` with MDB_NOSUBDIR | MDB_NOLOCK | `flags`; `map_size` 0 keeps LMDB's.
  // `locked`: without MDB_NOLOCK, for a database written in place (the spam trap
  // blocklist, the greylist), whose readers and writers coordinate through its "-lock"
  // file. `max_dbs`: room for that many named databases (0: the unnamed one only).
  static Result<Env> open(const std::string& path, unsigned flags, size_t map_size, int mode, bool locked = false,
                          unsigned max_dbs = 0) {
    Env e;
    int rc = mdb_env_create(&e.env_);
    if (rc == 0 && map_size) rc = mdb_env_set_mapsize(e.env_, map_size);
    if (rc == 0 && max_dbs) rc = mdb_env_set_maxdbs(e.env_, max_dbs);
    unsigned lock = locked ? 0u : unsigned(MDB_NOLOCK);
    if (rc == 0) rc = mdb_env_open(e.env_, path.c_str(), MDB_NOSUBDIR | lock | flags, mdb_mode_t(mode));
    if (rc != 0) return error("open database " + path, rc);
    return e;
  }

 private:
  MDB_env* env_ = nullptr;
};

// A transaction aborted unless committed.
class Txn {
 public:
  Txn() = default;
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  ~Txn() {
    if (txn_) mdb_txn_abort(txn_);
  }
  int begin(MDB_env* env, unsigned flags) { return mdb_txn_begin(env, nullptr, flags, &txn_); }
  int commit() {
    int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;
    return rc;
  }
  MDB_txn* get() const { return txn_; }

 private:
  MDB_txn* txn_ = nullptr;
};

}  // namespace tern::maps::lmdb
