// Queue IDs in Postfix's long format spirit: time-ordered, unique, safe in file names.
//   6 chars seconds + 4 chars microseconds (base 51, ASCII-ordered) + 'z' + base-51 of
//   (pid << 16 | per-process counter). Lexical order of the first 10 chars is time order.
#pragma once
#include <string>
#include <string_view>

namespace tern {

std::string make_queue_id();
// Deterministic core, for tests: the ID for a given time, pid and counter.
std::string make_queue_id(long long sec, long usec, long pid, unsigned counter);
bool is_valid_queue_id(std::string_view id);
// Arrival time encoded in an ID (seconds), or -1 when malformed.
long long queue_id_seconds(std::string_view id);

}  // namespace tern
