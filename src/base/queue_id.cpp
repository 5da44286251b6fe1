// Queue IDs; see queue_id.hpp.
#include "base/queue_id.hpp"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>

namespace tern {

namespace {
constexpr std::string_view kAlphabet = "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxy";
constexpr unsigned long long kBase = kAlphabet.size();  // 51
static_assert(kAlphabet.size() == 51);

void put_fixed(std::string& out, unsigned long long v, int width) {
  char buf[16];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = kAlphabet[v % kBase];
    v /= kBase;
  }
  out.append(buf, size_t(width));
}

void put_var(std::string& out, unsigned long long v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = kAlphabet[v % kBase];
    v /= kBase;
  } while (v);
  while (n) out.push_back(buf[--n]);
}

int digit(char c) {
  auto pos = kAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : int(pos);
}
}  // namespace

std::string make_queue_id(long long sec, long usec, long pid, unsigned counter) {
  std::string id;
  id.reserve(20);
  put_fixed(id, static_cast<unsigned long long>(sec), 6);
  put_fixed(id, static_cast<unsigned long long>(usec), 4);
  id.push_back('z');
  put_var(id, (static_cast<unsigned long long>(pid) << 16) | (counter & 0xffff));
  return id;
}

std::string make_queue_id() {
  static std::atomic<unsigned> counter{0};
  timeval tv{};
  ::gettimeofday(&tv, nullptr);
  return make_queue_id(tv.tv_sec, tv.tv_usec, ::getpid(), counter++);
}

bool is_valid_queue_id(std::string_view id) {
  if (id.size() < 12 || id.size() > 24 || id[10] != 'z') return false;
  for (size_t i = 0; i < id.size(); ++i)
    if (i != 10 && digit(id[i]) < 0) return false;
  return true;
}

long long queue_id_seconds(std::string_view id) {
  if (!is_valid_queue_id(id)) return -1;
  long long v = 0;
  for (size_t i = 0; i < 6; ++i) v = v * 51 + digit(id[i]);
  return v;
}

}  // namespace tern
