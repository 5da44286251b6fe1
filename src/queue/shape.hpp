// qshape's table: how many recipients (or senders with -s) of the queued mail go to each
// domain, by age bucket, laid out exactly as Postfix's qshape prints it. Pure: the caller
// feeds (arrival, addresses) per message and prints table().
//
// Buckets, in units of `tick` minutes: [0,1), [1,2), [2,4), [4,8), … (or linear with -l),
// the last one open-ended; column "T" is the total. Rows: TOTAL and each domain, by count
// (descending) then name length; with -p also the parent domains (".example.com") that
// have at least `min_subdomains` subdomains listed.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tern::queue {

struct ShapeOptions {
  int buckets = 10;         // -b
  int tick = 5;             // -t, minutes
  bool linear = false;      // -l
  bool parents = false;     // -p
  int min_subdomains = 5;   // -m
  int width = 80;           // -w (only wider than 80 counts)
  int top_domains = 0;      // -n: rows shown (0 = all)
};

// The domain qshape files an address under: lower-cased, after the last '@', ".." made
// ".", one leading and one trailing dot removed; the null address is MAILER-DAEMON.
std::string shape_domain(std::string_view address);

class Shape {
 public:
  explicit Shape(ShapeOptions o);
  // Bucket (1..buckets) for a message `age_seconds` old.
  int bucket(double age_seconds) const;
  void add(double age_seconds, const std::vector<std::string>& addresses);
  std::string table() const;

 private:
  using Counts = std::vector<long>;  // [0] total, [1..buckets]
  Counts& row(const std::string& d);

  ShapeOptions o_;
  std::map<std::string, Counts> rows_;
  std::map<std::string, int> subdomains_;
};

}  // namespace tern::queue
