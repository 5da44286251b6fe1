// smtpd's side of the queue link: one Unix-socket connection to the queue role shared by
// all sessions of this process, many submissions in flight, replies matched by sequence
// number. Reconnects when the queue role restarts; sessions waiting when the link breaks
// get a failure (they answer 451, the client retries). The same link carries address
// verification queries (reject_unverified_*) to the queue role's verification service.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/local/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include <cstdint>
#include <string>
#include <unordered_map>

#include "base/log.hpp"
#include "policy/unverified.hpp"
#include "queue/link.hpp"

namespace tern::server {

class QueueClient {
 public:
  // `connect_attempts`: how often to try (100 ms apart) before a submission fails.
  QueueClient(asio::io_context& io, std::string socket_path, int connect_attempts = 50);
  asio::awaitable<queue::SubmitReply> submit(Message m);
  // The address's verification status (a probe is sent when it is unknown); an error when
  // the queue role cannot be reached.
  asio::awaitable<Result<policy::VerifyResult>> verify(std::string address);

 private:
  struct Waiter;
  asio::awaitable<bool> ensure_connected();
  asio::awaitable<void> read_loop(uint64_t generation);
  asio::awaitable<void> write_loop();
  void fail_all(const std::string& why);
  // Queues `record` (sequence `seq`) and waits up to `limit` for its reply in `w`.
  asio::awaitable<void> exchange(uint64_t seq, Waiter& w, std::string record, std::chrono::seconds limit);

  asio::io_context& io_;
  std::string path_;
  asio::local::stream_protocol::socket sock_;
  bool connected_ = false;
  bool writing_ = false;
  uint64_t generation_ = 0;
  int connect_attempts_ = 50;
  uint64_t next_seq_ = 1;
  std::string outq_;
  std::unordered_map<uint64_t, Waiter*> waiting_;
  log::Logger log_{"smtpd"};
};

}  // namespace tern::server
