// One connection to one milter: connect (milter_connect_timeout), negotiate (OPTNEG:
// milter_protocol, the actions and steps we offer, the milter's macro lists), then
// request/reply exchanges under a deadline (milter_command_timeout, or
// milter_content_timeout for content). SMFIR_PROGRESS restarts the deadline. Any failure
// (refused, timed out, closed, malformed or unexpected reply) closes the connection and is
// logged once as a warning naming the milter; the caller then applies milter_default_action.
#pragma once
#include <asio/awaitable.hpp>
#include <asio/generic/stream_protocol.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/log.hpp"
#include "milter/protocol.hpp"
#include "milter/settings.hpp"

namespace tern::milter {

class Connection {
 public:
  Connection(asio::any_io_executor ex, const Endpoint& endpoint, const Settings& settings, const log::Logger& log);

  // Connects and negotiates; false when the milter is unusable (logged).
  asio::awaitable<bool> open();
  bool is_open() const { return open_; }
  const Negotiation& negotiated() const { return neg_; }
  const Endpoint& endpoint() const { return endpoint_; }

  // Sends `bytes` (one or more packets) and, when `want_reply`, reads replies until one
  // that is not a modification or PROGRESS. Modifications (ADDHEADER, ...) are allowed
  // only when `modifications` is set (end of message) and collected there, in order.
  // nullopt: the milter failed (logged, connection closed).
  asio::awaitable<std::optional<Reply>> exchange(const std::string& bytes, bool want_reply, bool content,
                                                 std::vector<Reply>* modifications = nullptr);
  // Sends without waiting for a reply (ABORT, QUIT); errors just close the connection.
  asio::awaitable<void> send(const std::string& bytes);
  void close();

 private:
  asio::awaitable<bool> connect();
  // The next packet before `t` expires; nullopt after a failure (logged: "timeout <during>").
  asio::awaitable<std::optional<Packet>> next_packet(asio::steady_timer& t, std::string_view during);
  asio::awaitable<std::optional<Reply>> read_reply(std::vector<Reply>* modifications,
                                                   std::chrono::seconds timeout);
  void fail(std::string_view why);

  asio::generic::stream_protocol::socket sock_;
  const Endpoint& endpoint_;
  const Settings& settings_;
  const log::Logger& log_;
  PacketReader reader_;
  Negotiation neg_;
  bool open_ = false;
};

}  // namespace tern::milter
