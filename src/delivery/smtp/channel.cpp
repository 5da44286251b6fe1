// SocketChannel: connect with a time limit, poll(2)-driven reads and writes, and the TLS
// layer after STARTTLS; see channel.hpp.
#include "delivery/smtp/channel.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/err.h>

#include "tls/ssl_error.hpp"

namespace tern::delivery::smtp {

IoStatus Channel::start_tls(SSL* ssl, Deadline) {
  SSL_free(ssl);
  return {IoStatus::failed, "TLS is not available on this channel"};
}

namespace {

IoStatus sys_error(int err) { return {err == ETIMEDOUT ? IoStatus::timeout : IoStatus::failed, std::strerror(err)}; }

int make_socket(int family) {
  int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd;
}

}  // namespace

SocketChannel::Connected SocketChannel::finish_connect(int fd, int rc, std::chrono::seconds timeout) {
  Connected c;
  std::unique_ptr<SocketChannel> ch(new SocketChannel(fd));
  if (rc != 0 && errno != EINPROGRESS) {
    c.status = sys_error(errno);
    return c;
  }
  if (rc != 0) {
    // 0 = the system limit; a generous bound keeps a worker from hanging forever.
    auto limit = timeout.count() > 0 ? timeout : std::chrono::seconds(300);
    IoStatus w = ch->wait(POLLOUT, deadline_in(limit));
    if (!w) {
      c.status = w.kind == IoStatus::timeout ? IoStatus{IoStatus::timeout, "Connection timed out"} : w;
      return c;
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      c.status = sys_error(err);
      return c;
    }
  }
  c.channel = std::move(ch);
  return c;
}

namespace {

// The IP address of a sockaddr_in/_in6, "" for any other family.
std::string address_text(const sockaddr_storage& ss) {
  IpAddress a;
  if (ss.ss_family == AF_INET) {
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in&>(ss).sin_addr, 4);
  } else if (ss.ss_family == AF_INET6) {
    a.v6 = true;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6&>(ss).sin6_addr, 16);
  } else {
    return {};
  }
  return a.unmapped().to_string();
}

socklen_t to_sockaddr(const IpAddress& addr, int port, sockaddr_storage& ss) {
  ss = {};
  if (addr.v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(uint16_t(port));
    std::memcpy(&s6->sin6_addr, addr.bytes.data(), 16);
    return sizeof *s6;
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(uint16_t(port));
  std::memcpy(&s4->sin_addr, addr.bytes.data(), 4);
  return sizeof *s4;
}

}  // namespace

std::string SocketChannel::local_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return address_text(ss);
}

SocketChannel::Connected SocketChannel::connect_inet(const IpAddress& addr, int port, std::chrono::seconds timeout,
                                                     const std::optional<IpAddress>& source) {
  sockaddr_storage ss;
  socklen_t len = to_sockaddr(addr, port, ss);
  int fd = make_socket(ss.ss_family);
  if (fd < 0) return {nullptr, sys_error(errno)};
  if (source && source->v6 == addr.v6) {
    sockaddr_storage local;
    socklen_t llen = to_sockaddr(*source, 0, local);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), llen) != 0) {
      IoStatus st = sys_error(errno);
      ::close(fd);
      st.detail = "bind " + source->to_string() + ": " + st.detail;
      return {nullptr, st};
    }
  }
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  return finish_connect(fd, rc, timeout);
}

SocketChannel::Connected SocketChannel::connect_unix(const std::string& path, std::chrono::seconds timeout) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.size() >= sizeof sun.sun_path) return {nullptr, {IoStatus::failed, "socket path too long"}};
  std::memcpy(sun.sun_path, path.data(), path.size());
  int fd = make_socket(AF_UNIX);
  if (fd < 0) return {nullptr, sys_error(errno)};
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun);
  return finish_connect(fd, rc, timeout);
}

SocketChannel::~SocketChannel() {
  if (ssl_) {
    SSL_shutdown(ssl_);  // one non-blocking attempt at close_notify
    SSL_free(ssl_);
  }
  if (fd_ >= 0) ::close(fd_);
}

IoStatus SocketChannel::wait(short events, Deadline d) const {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(d - Clock::now()).count();
    if (left <= 0) return {IoStatus::timeout, "timed out"};
    pollfd p{fd_, events, 0};
    int n = ::poll(&p, 1, int(std::min<long long>(left, 1 << 30)));
    if (n > 0) return {};
    if (n < 0 && errno != EINTR) return sys_error(errno);
  }
}

IoStatus SocketChannel::ssl_retry(int rc, Deadline d, bool* again) {
  *again = false;
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ: *again = true; return wait(POLLIN, d);
    case SSL_ERROR_WANT_WRITE: *again = true; return wait(POLLOUT, d);
    case SSL_ERROR_ZERO_RETURN: return {IoStatus::closed, "TLS connection closed"};
    case SSL_ERROR_SYSCALL:
      if (errno == 0 || rc == 0) return {IoStatus::closed, "lost connection"};
      return sys_error(errno);
    default: return {IoStatus::failed, tls::ssl_errors("TLS failure")};
  }
}

IoStatus SocketChannel::write(std::string_view data, Deadline d) {
  while (!data.empty()) {
    if (ssl_) {
      ERR_clear_error();
      int rc = SSL_write(ssl_, data.data(), int(std::min<size_t>(data.size(), 1 << 20)));
      if (rc > 0) {
        data.remove_prefix(size_t(rc));
        continue;
      }
      bool again;
      if (IoStatus s = ssl_retry(rc, d, &again); !s || !again) return s ? IoStatus{IoStatus::failed, "TLS write"} : s;
      continue;
    }
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(size_t(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (IoStatus s = wait(POLLOUT, d); !s) return s;
    } else {
      return n < 0 && errno != EPIPE && errno != ECONNRESET ? sys_error(errno) : IoStatus{IoStatus::closed, "lost connection"};
    }
  }
  return {};
}

IoStatus SocketChannel::read(std::string& out, Deadline d) {
  char buf[16384];
  for (;;) {
    if (ssl_) {
      ERR_clear_error();
      int rc = SSL_read(ssl_, buf, sizeof buf);
      if (rc > 0) {
        out.append(buf, size_t(rc));
        return {};
      }
      bool again;
      if (IoStatus s = ssl_retry(rc, d, &again); !s || !again) return s ? IoStatus{IoStatus::failed, "TLS read"} : s;
      continue;
    }
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      out.append(buf, size_t(n));
      return {};
    }
    if (n == 0) return {IoStatus::closed, "lost connection"};
    if (errno != EAGAIN && errno != EINTR) return errno == ECONNRESET ? IoStatus{IoStatus::closed, "lost connection"} : sys_error(errno);
    if (IoStatus s = wait(POLLIN, d); !s) return s;
  }
}

IoStatus SocketChannel::start_tls(SSL* ssl, Deadline d) {
  if (ssl_) SSL_free(ssl_);
  ssl_ = ssl;
  SSL_set_fd(ssl_, fd_);
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(ssl_);
    if (rc == 1) return {};
    bool again;
    IoStatus s = ssl_retry(rc, d, &again);
    if (!s) return s;
    if (!again) return {IoStatus::failed, tls::ssl_errors("TLS handshake failed")};
  }
}

}  // namespace tern::delivery::smtp
