// Control protocol and client; see control.hpp.
#include "queue/control.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/file.hpp"
#include "base/queue_id.hpp"
#include "base/strings.hpp"

namespace tern::queue {

namespace {
constexpr std::string_view kMagic = "TERN-CONTROL 1 ";
struct VerbName {
  std::string_view name;
  ControlVerb verb;
  bool takes_arg;
};
constexpr VerbName kVerbs[] = {{"flush", ControlVerb::flush, false},
                               {"flush-site", ControlVerb::flush_site, true},
                               {"flush-id", ControlVerb::flush_id, true},
                               {"pickup", ControlVerb::pickup, false},
                               {"rescan", ControlVerb::rescan, false},
                               {"verify", ControlVerb::verify, true}};
}  // namespace

std::string encode_control(const ControlRequest& r) {
  for (const auto& v : kVerbs)
    if (v.verb == r.verb) return std::string(kMagic) + std::string(v.name) + (v.takes_arg ? " " + r.arg : "") + "\n";
  return {};
}

Result<ControlRequest> parse_control(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (line.substr(0, kMagic.size()) != kMagic) return Error{"bad control request"};
  auto words = split_any(line.substr(kMagic.size()), " ");
  if (words.empty()) return Error{"empty control request"};
  for (const auto& v : kVerbs) {
    if (words[0] != v.name) continue;
    if (words.size() != (v.takes_arg ? 2u : 1u)) return Error{"wrong number of arguments"};
    ControlRequest r{v.verb, v.takes_arg ? std::string(words[1]) : std::string()};
    if (r.verb == ControlVerb::flush_id && !is_valid_queue_id(r.arg)) return Error{"bad queue ID"};
    if (r.verb == ControlVerb::flush_site && (r.arg.size() > 255 || r.arg.find('/') != std::string::npos))
      return Error{"bad site name"};
    if (r.verb == ControlVerb::verify && (r.arg.size() > 511 || printable(r.arg) != r.arg))
      return Error{"bad address"};
    return r;
  }
  return Error{"unknown control request"};
}

Result<std::string> control_request(const std::string& queue_directory, const ControlRequest& r) {
  std::string path = queue_directory + "/" + kControlSocket;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return Error{path + ": path too long"};
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return Error{"socket: " + errno_text(errno)};
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return Error{"the Tern mail system is not running (" + path + ": " + errno_text(errno) + ")"};
  timeval tv{30, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (auto s = write_all(fd.get(), encode_control(r), path); !s) return s.error();
  std::string reply;
  char buf[512];
  while (reply.find('\n') == std::string::npos && reply.size() < 4096) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, size_t(n));
  }
  if (auto nl = reply.find('\n'); nl != std::string::npos) reply.resize(nl);
  if (reply == "ok") return std::string();
  if (reply.rfind("ok ", 0) == 0) return reply.substr(3);
  if (reply.rfind("error ", 0) == 0) return Error{reply.substr(6)};
  return Error{"no valid reply from the queue service"};
}

}  // namespace tern::queue
