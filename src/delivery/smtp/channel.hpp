// The byte stream a client session talks over, with a deadline on every operation:
// Channel is the interface (the dialogue's unit tests give it a scripted in-memory peer),
// SocketChannel the real one — a TCP or Unix-domain socket, non-blocking under poll(2), that
// can turn into a TLS stream after STARTTLS. Blocking is fine: agents run on worker threads.
#pragma once
#include <openssl/ssl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/net.hpp"

namespace tern::delivery::smtp {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

inline Deadline deadline_in(std::chrono::seconds s) { return Clock::now() + s; }

struct IoStatus {
  enum Kind { ok, timeout, closed, failed } kind = ok;
  std::string detail;  // for failed: strerror or the OpenSSL reason
  explicit operator bool() const { return kind == ok; }
};

class Channel {
 public:
  virtual ~Channel() = default;
  virtual IoStatus write(std::string_view data, Deadline d) = 0;
  // Appends at least one byte to `out`, or says why not.
  virtual IoStatus read(std::string& out, Deadline d) = 0;
  // The TLS client handshake over this channel; the channel takes `ssl` over.
  virtual IoStatus start_tls(SSL* ssl, Deadline d);
  virtual const SSL* tls() const { return nullptr; }
  // Our own IP address on this connection (TLS-RPT's sending-mta-ip); "" when none.
  virtual std::string local_address() const { return {}; }
};

class SocketChannel : public Channel {
 public:
  struct Connected {
    std::unique_ptr<SocketChannel> channel;  // null on failure
    IoStatus status;
  };
  // `timeout` 0 means the system's own connect limit; `source` (smtp_bind_address[6]) is
  // bound first when given.
  static Connected connect_inet(const IpAddress& addr, int port, std::chrono::seconds timeout,
                                const std::optional<IpAddress>& source = std::nullopt);
  static Connected connect_unix(const std::string& path, std::chrono::seconds timeout);

  ~SocketChannel() override;
  IoStatus write(std::string_view data, Deadline d) override;
  IoStatus read(std::string& out, Deadline d) override;
  IoStatus start_tls(SSL* ssl, Deadline d) override;
  const SSL* tls() const override { return ssl_; }
  std::string local_address() const override;

 private:
  explicit SocketChannel(int fd) : fd_(fd) {}
  static Connected finish_connect(int fd, int rc, std::chrono::seconds timeout);
  // Waits until the fd is ready for `events`; false on timeout.
  IoStatus wait(short events, Deadline d) const;
  // After an SSL call returned `rc`: wait as OpenSSL asks, or the final status.
  IoStatus ssl_retry(int rc, Deadline d, bool* again);

  int fd_ = -1;
  SSL* ssl_ = nullptr;
};

}  // namespace tern::delivery::smtp
