// The queue link client; see queue_client.hpp.
#include "server/queue_client.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <chrono>
#include <optional>

namespace tern::server {

using asio::use_awaitable;
using stream = asio::local::stream_protocol;

struct QueueClient::Waiter {
  asio::steady_timer timer;
  std::optional<queue::SubmitReply> reply;
  std::optional<queue::VerifyReply> verify;
  std::string failure;  // why the link failed under it
};

QueueClient::QueueClient(asio::io_context& io, std::string socket_path, int connect_attempts)
    : io_(io), path_(std::move(socket_path)), sock_(io), connect_attempts_(connect_attempts) {}

asio::awaitable<bool> QueueClient::ensure_connected() {
  // The queue role may be starting or restarting: keep trying for a few seconds before
  // the session answers 451. Sessions that arrive together each dial on a socket of their
  // own; the first to connect installs its socket and the others drop theirs, so the shared
  // socket is never replaced under a session that is already using it.
  asio::error_code ec;
  for (int attempt = 0; attempt < connect_attempts_; ++attempt) {
    if (connected_) co_return true;  // another session connected meanwhile
    stream::socket s(io_);
    ec.clear();
    co_await s.async_connect(stream::endpoint(path_), asio::redirect_error(use_awaitable, ec));
    if (!ec) {
      if (connected_) co_return true;  // lost the race: ours closes as it goes out of scope
      sock_ = std::move(s);
      connected_ = true;
      ++generation_;
      asio::co_spawn(io_, read_loop(generation_), asio::detached);
      co_return true;
    }
    if (attempt + 1 == connect_attempts_) break;
    asio::steady_timer pause(io_);
    pause.expires_after(std::chrono::milliseconds(100));
    asio::error_code ignore;
    co_await pause.async_wait(asio::redirect_error(use_awaitable, ignore));
  }
  if (connected_) co_return true;
  log_.warning("connect to queue service {}: {}", path_, ec.message());
  co_return false;
}

void QueueClient::fail_all(const std::string& why) {
  for (auto& [seq, w] : waiting_) {
    w->reply = queue::SubmitReply{seq, false, "", why};
    w->failure = why;
    w->timer.cancel();
  }
  waiting_.clear();
}

asio::awaitable<void> QueueClient::read_loop(uint64_t generation) {
  wire::FrameParser parser;
  char buf[16384];
  for (;;) {
    asio::error_code ec;
    size_t n = co_await sock_.async_read_some(asio::buffer(buf), asio::redirect_error(use_awaitable, ec));
    if (generation != generation_) co_return;
    if (ec) {
      connected_ = false;
      outq_.clear();
      fail_all("queue service connection lost: " + ec.message());
      co_return;
    }
    parser.feed(std::string_view(buf, n));
    while (auto f = parser.next()) {
      if (f->type == uint16_t(queue::LinkType::verify_reply)) {
        auto v = queue::decode_verify_reply(*f);
        if (!v) log_.fatal("malformed record from the queue service: {}", v.error().message);
        auto it = waiting_.find(v->seq);
        if (it == waiting_.end()) continue;
        it->second->verify = std::move(*v);
        it->second->timer.cancel();
        waiting_.erase(it);
        continue;
      }
      auto r = queue::decode_submit_reply(*f);
      if (!r) log_.fatal("malformed record from the queue service: {}", r.error().message);
      auto it = waiting_.find(r->seq);
      if (it == waiting_.end()) continue;  // its session gave up already
      it->second->reply = std::move(*r);
      it->second->timer.cancel();
      waiting_.erase(it);
    }
    if (parser.error()) log_.fatal("malformed frame from the queue service");
  }
}

asio::awaitable<void> QueueClient::write_loop() {
  writing_ = true;
  while (!outq_.empty() && connected_) {
    std::string batch;
    batch.swap(outq_);
    asio::error_code ec;
    co_await asio::async_write(sock_, asio::buffer(batch), asio::redirect_error(use_awaitable, ec));
    if (ec) {
      connected_ = false;
      asio::error_code ignore;
      sock_.close(ignore);
      fail_all("queue service write failed: " + ec.message());
      break;
    }
  }
  writing_ = false;
}

asio::awaitable<void> QueueClient::exchange(uint64_t seq, Waiter& w, std::string record, std::chrono::seconds limit) {
  w.timer.expires_after(limit);
  waiting_[seq] = &w;
  outq_ += record;
  if (!writing_) asio::co_spawn(io_, write_loop(), asio::detached);
  asio::error_code ec;
  co_await w.timer.async_wait(asio::redirect_error(use_awaitable, ec));
  waiting_.erase(seq);
}

asio::awaitable<queue::SubmitReply> QueueClient::submit(Message m) {
  if (!co_await ensure_connected())
    co_return queue::SubmitReply{0, false, "", "queue service unavailable"};
  uint64_t seq = next_seq_++;
  Waiter w{asio::steady_timer(io_), std::nullopt, std::nullopt, ""};
  // The record is made before the co_await: GCC 12 destroys a temporary with a destructor
  // in a co_await's full-expression wrongly after the resumption (a double free).
  std::string record = queue::encode(queue::SubmitRequest{seq, std::move(m)});
  co_await exchange(seq, w, std::move(record), std::chrono::seconds(300));
  if (!w.reply) co_return queue::SubmitReply{seq, false, "", "queue service timed out"};
  co_return std::move(*w.reply);
}

asio::awaitable<Result<policy::VerifyResult>> QueueClient::verify(std::string address) {
  // The queue role treats a longer query as a broken sibling (the cache's key limit).
  if (address.size() > 511) co_return Error{"address longer than 511 bytes"};
  if (!co_await ensure_connected()) co_return Error{"queue service unavailable"};
  uint64_t seq = next_seq_++;
  Waiter w{asio::steady_timer(io_), std::nullopt, std::nullopt, ""};
  std::string record = queue::encode(queue::VerifyQuery{seq, std::move(address)});  // see submit()
  co_await exchange(seq, w, std::move(record), std::chrono::seconds(30));
  if (!w.verify) co_return Error{w.failure.empty() ? "queue service timed out" : w.failure};
  co_return policy::VerifyResult{policy::VerifyStatus(w.verify->status), std::move(w.verify->text)};
}

}  // namespace tern::server
