// Which loopback ports the in-process test servers pick from: their own default range, or
// the range in $TERN_TEST_PORTS ("FIRST-LAST"), so that a run can keep to the ports it
// was given on a shared machine.
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>

namespace tern::delivery::smtp::testing {

// A random port in $TERN_TEST_PORTS if set and well formed, else in [first, first + count).
inline int pick_test_port(std::mt19937& rng, int first, int count) {
  if (const char* env = std::getenv("TERN_TEST_PORTS")) {
    std::string r(env);
    size_t dash = r.find('-');
    int lo = std::atoi(r.substr(0, dash).c_str());
    int hi = dash == std::string::npos ? 0 : std::atoi(r.substr(dash + 1).c_str());
    if (lo > 0 && hi >= lo && hi < 65536) {
      first = lo;
      count = hi - lo + 1;
    }
  }
  return first + int(rng() % unsigned(count));
}

// A TCP socket listening on 127.0.0.1 at a free port picked as above (50 tries); sets
// *port. -1 when none could be bound.
inline int listen_on_test_port(int first, int count, int* port) {
  std::mt19937 rng(std::random_device{}());
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    *port = pick_test_port(rng, first, count);
    sin.sin_port = htons(uint16_t(*port));
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0 && ::listen(fd, 8) == 0) return fd;
    ::close(fd);
  }
  return -1;
}

}  // namespace tern::delivery::smtp::testing
