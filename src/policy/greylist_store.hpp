// Where the greylist keeps its state: one LMDB file (greylist_database = lmdb:NAME is the
// file NAME.lmdb, with LMDB's lock file NAME.lmdb-lock beside it), shared by every process
// that greylists and by `tern greylist`, kept across restarts. Two named databases:
// "triplets" (key: greylist_triplet.hpp, value "FIRST,LAST") and "clients" (key: the
// client address, value "COUNT,LAST"); see greylist_state.hpp. A decision reads and writes
// in one write transaction, so processes deciding on the same triplet take turns.
//
// Commits skip the metadata flush (MDB_NOMETASYNC): a machine crash may undo the latest
// decision, never damage the file. The map grows (doubling) when it is full; other
// processes follow (MDB_MAP_RESIZED).
//
// LMDB allows one environment per file per process (a second open and close would drop
// the first one's locks), so open() hands out one shared store per path per process, and
// the store serialises its users with a mutex. Never carry an open store across fork().
#pragma once
#include <lmdb.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "maps/lmdb_env.hpp"

namespace tern::policy {

enum class GreylistTable { triplets, clients };

// Longest key LMDB stores; longer triplet keys are cut to it (only abusive addresses are
// that long, and two of them sharing a record costs nothing but a missed greylisting).
constexpr size_t kMaxGreylistKey = 511;

class GreylistStore {
 public:
  // Opens `path`, the .lmdb file, creating it and its directory unless `must_exist` (the
  // admin tool, often root, must not create a file the mail system cannot write).
  // A store already open in this process for `path` is shared (`map_size` is then ignored).
  static Result<std::shared_ptr<GreylistStore>> open(const std::string& path, size_t map_size,
                                                     bool must_exist = false);
  const std::string& path() const { return path_; }

  // Reads and writes inside one write transaction; see write().
  class Txn {
   public:
    Result<std::optional<std::string>> get(GreylistTable t, std::string_view key);
    Status put(GreylistTable t, std::string_view key, std::string_view value);

   private:
    friend class GreylistStore;
    Txn(MDB_txn* txn, const GreylistStore& s) : txn_(txn), store_(s) {}
    MDB_txn* txn_;
    const GreylistStore& store_;
    int map_full_ = 0;  // set when a put found the map full
  };

  // Runs `body` in a write transaction and commits it. When the map fills up, the
  // transaction is dropped, the map doubled and `body` run again: it must have no effects
  // but through the Txn (and reset what it computes at its start).
  Status write(const std::function<Status(Txn&)>& body);
  // (write, each and remove_if hold the store's mutex for their whole run.)

  // Every record of a table, in key order (a read transaction).
  Status each(GreylistTable t, const std::function<void(std::string_view key, std::string_view value)>& fn);

  // Deletes the records `expired` says so of; returns how many were deleted and kept.
  struct Counts {
    size_t removed = 0, kept = 0;
  };
  Result<Counts> remove_if(GreylistTable t, const std::function<bool(std::string_view value)>& expired);

 private:
  GreylistStore(std::string path, maps::lmdb::Env env, MDB_dbi triplets, MDB_dbi clients, size_t map_size)
      : path_(std::move(path)), env_(std::move(env)), triplets_(triplets), clients_(clients), map_size_(map_size) {}
  MDB_dbi dbi(GreylistTable t) const { return t == GreylistTable::triplets ? triplets_ : clients_; }
  int begin(maps::lmdb::Txn& txn, unsigned flags);
  Status grow();

  std::mutex mu_;
  std::string path_;
  maps::lmdb::Env env_;
  MDB_dbi triplets_, clients_;
  size_t map_size_;
};

}  // namespace tern::policy
