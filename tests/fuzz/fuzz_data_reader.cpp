// DataReader in random-sized chunks. Invariants: chunking never changes the content, the
// consumed count or the end; content never holds a line that would have been the marker
// only if the reader had missed it (CRLF "." CRLF is found, never swallowed).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <cstdio>
#include <cstdlib>

#include "smtp/data_reader.hpp"

#define CHECK(cond)                                                 \
  do {                                                              \
    if (!(cond)) {                                                  \
      std::fprintf(stderr, "fuzz_data_reader: %s failed\n", #cond); \
      std::abort();                                                 \
    }                                                               \
  } while (0)

namespace {
struct Run {
  std::string content;
  size_t consumed = 0;
  bool done = false;
  bool too_big = false;
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // First two bytes: size limit selector and chunking seed; the rest is the DATA stream.
  size_t limits[] = {0, 1, 16, 1000, SIZE_MAX};
  size_t max = limits[data[0] % 5];
  unsigned seed = data[1];
  std::string_view in(reinterpret_cast<const char*>(data + 2), size - 2);

  Run whole;
  {
    tern::smtp::DataReader r(max);
    whole.consumed = r.feed(in);
    whole.done = r.done();
    whole.too_big = r.too_big();
    whole.content = r.content();
  }
  Run chunked;
  {
    tern::smtp::DataReader r(max);
    size_t pos = 0;
    while (pos < in.size() && !r.done()) {
      seed = seed * 1103515245u + 12345u;
      size_t n = 1 + (seed >> 16) % 7;
      if (n > in.size() - pos) n = in.size() - pos;
      size_t used = r.feed(in.substr(pos, n));
      chunked.consumed += used;
      CHECK(used == n || r.done());  // only the end marker stops a chunk
      pos += n;
    }
    chunked.done = r.done();
    chunked.too_big = r.too_big();
    chunked.content = r.content();
  }
  CHECK(whole.content == chunked.content);
  CHECK(whole.done == chunked.done);
  CHECK(whole.consumed == chunked.consumed);
  CHECK(whole.too_big == chunked.too_big);
  if (whole.done) {
    // The stream up to the consumed count ends in "\r\n.\r\n" (or is ".\r\n" alone).
    std::string_view used = in.substr(0, whole.consumed);
    bool ends = used == ".\r\n" || (used.size() >= 5 && used.substr(used.size() - 5) == "\r\n.\r\n");
    CHECK(ends);
  } else {
    CHECK(whole.consumed == in.size());
  }
  CHECK(whole.too_big || whole.content.size() <= max);
  return 0;
}
