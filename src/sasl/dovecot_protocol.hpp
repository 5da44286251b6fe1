// Dovecot's authentication client protocol, version 1.1 (doc.dovecot.org "Dovecot
// Authentication Protocol"), without I/O: a line splitter with a length limit, the
// handshake reader, request encoders and the reply parser. dovecot.hpp drives them over
// a socket.
//   client → VERSION\t1\t1  CPID\t<pid>
//   server → VERSION\t1\t<minor>  MECH\t<name>[\t<flags>]…  SPID  CUID  COOKIE  DONE
//   client → AUTH\t<id>\t<mech>\tservice=smtp\tnologin[\tlip=…][\trip=…][\tsecured][\tresp=<b64>]
//   server → OK\t<id>\tuser=…  |  FAIL\t<id>[\ttemp][\treason=…][\tuser=…]  |  CONT\t<id>\t<b64>
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::sasl::dovecot {

// Splits a byte stream into lines ("\n", a "\r" before it dropped).
class LineSplitter {
 public:
  explicit LineSplitter(size_t max_line = 65536) : max_(max_line) {}
  void feed(std::string_view bytes) { buf_.append(bytes); }
  // The next complete line; nullopt when more bytes are needed or on error.
  std::optional<std::string> next();
  // A line grew past max_line: the stream is unusable.
  bool error() const { return error_; }

 private:
  size_t max_;
  std::string buf_;
  size_t scanned_ = 0;
  bool error_ = false;
};

std::vector<std::string_view> split_tabs(std::string_view line);
// Dovecot's tab escaping (\001 followed by 1, t, r, n, 0) undone.
std::string tab_unescape(std::string_view s);
// And applied (for values we send).
std::string tab_escape(std::string_view s);

std::string client_hello(long pid);

struct Mech {
  std::string name;  // upper case
  std::vector<std::string> flags;  // plaintext, anonymous, dictionary, active, forward-secrecy, mutual-auth
};

// Reads the server's half of the handshake line by line.
class Handshake {
 public:
  enum class State { more, done, error };
  State feed(std::string_view line);
  const std::vector<Mech>& mechanisms() const { return mechs_; }
  const std::string& error() const { return error_; }

 private:
  bool have_version_ = false;
  std::vector<Mech> mechs_;
  std::string error_;
};

struct AuthRequest {
  uint32_t id = 0;
  std::string mechanism;
  std::string service = "smtp";
  std::string local_ip, remote_ip;
  bool secured = false;
  std::optional<std::string> initial;  // base64
};
std::string encode(const AuthRequest& r);
std::string encode_cont(uint32_t id, std::string_view base64);

struct ServerReply {
  enum class Kind { ok, fail, cont };
  Kind kind = Kind::fail;
  uint32_t id = 0;
  std::string data;    // CONT: the base64 challenge
  std::string user;    // user= (OK, sometimes FAIL)
  std::string reason;  // reason= (FAIL)
  bool temp = false;   // FAIL with "temp": a temporary failure
};
// nullopt for lines that are not replies (Dovecot may add new commands; they are ignored)
// and for malformed ones; `malformed` tells them apart.
std::optional<ServerReply> parse_reply(std::string_view line, bool* malformed = nullptr);

}  // namespace tern::sasl::dovecot
