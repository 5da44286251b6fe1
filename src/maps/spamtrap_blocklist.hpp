// The spam trap blocklist (spamtrap_blocklist_database): client addresses that mailed a
// trap address, each with a BlockRecord (block_record.hpp) saying until when. smtpd adds
// them (policy/spamtrap.hpp); any restriction list sees them through the table type
//   spamtrap:/var/lib/tern/spamtrap_blocklist   (or spamtrap:$spamtrap_blocklist_database)
// e.g. "check_client_access spamtrap:$spamtrap_blocklist_database", which answers a
// listed client's address with the record's access(5) action until the block expires,
// and nothing once it has.
//
// Storage: one LMDB file, PATH.lmdb beside PATH (as lmdb: tables name theirs), written in
// place, so unlike postmap's indexes it uses LMDB's lock file (PATH.lmdb-lock) to keep
// readers in other processes (tern map -q) safe. LMDB forbids opening one file twice in
// a process: Blocklist::open() hands out one shared store per file. Commits skip the
// fsync (MDB_NOSYNC): a block lost in a system crash costs one more trap hit, and no
// session waits for the disk. Expired records are deleted by the writes, at most once an
// hour.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "maps/block_record.hpp"
#include "maps/lookup.hpp"

namespace tern::maps {

class Blocklist {
 public:
  // Where malformed records are reported (tests); unset: the mail log, service "maps".
  using Warn = std::function<void(const std::string&)>;

  // The store named by `spec` ("lmdb:PATH" or "PATH", relative to `config_dir`), created
  // with its directory when missing. The same file opened again returns the same store.
  static Result<std::shared_ptr<Blocklist>> open(std::string_view spec, const std::string& config_dir,
                                                 Warn warn = {});
  ~Blocklist();
  Blocklist(const Blocklist&) = delete;
  Blocklist& operator=(const Blocklist&) = delete;

  // Blocks `client` from `now` for `block_time` seconds for mailing `trap`; a client still
  // listed keeps its first `since` and counts one more hit. Returns what was stored.
  Result<BlockRecord> block(std::string_view client, std::string_view trap, std::string_view action, int64_t now,
                            int64_t block_time);
  // The client's current record: nullopt when not listed, expired, or malformed (a
  // malformed one is reported through the warning sink).
  Result<std::optional<BlockRecord>> find(std::string_view client, int64_t now) const;
  // Deletes expired and malformed records; how many went.
  Result<size_t> purge(int64_t now);
  // Unblocks a client (postmap -d); false when it was not listed.
  Result<bool> erase(std::string_view client);
  // Every stored record as it is stored, by client (postmap -s).
  Result<std::vector<std::pair<std::string, std::string>>> entries() const;
  const std::string& file() const { return file_; }

 private:
  struct Env;
  Blocklist(std::string file, Warn warn);
  Status purge_in(void* txn, int64_t now, size_t* removed);

  std::string file_;
  Warn warn_;
  std::unique_ptr<Env> env_;
  mutable std::mutex mu_;
  int64_t next_purge_ = 0;
};

// The "spamtrap:NAME" table type (open_map() dispatches here).
Result<std::unique_ptr<Lookup>> open_spamtrap(std::string spec, std::string_view name, const OpenContext& ctx);

}  // namespace tern::maps
