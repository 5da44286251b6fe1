// qshape's age-by-domain table; see shape.hpp.
#include "queue/shape.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace tern::queue {

std::string shape_domain(std::string_view address) {
  if (address.empty()) return "MAILER-DAEMON";
  std::string a;
  for (char c : address) a += char(std::tolower(static_cast<unsigned char>(c)));
  if (size_t at = a.rfind('@'); at != std::string::npos) a.erase(0, at + 1);
  std::string d;  // ".." -> "." left to right, as a global substitution does
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == '.' && i + 1 < a.size() && a[i + 1] == '.') ++i;
    d += a[i];
  }
  if (d.size() >= 2 && d.front() == '.') d.erase(0, 1);
  if (d.size() >= 2 && d.back() == '.') d.pop_back();
  return d;
}

namespace {
// ".b.example.com" from "a.b.example.com": the parent, while it keeps two labels.
bool to_parent(std::string& d) {
  size_t start = !d.empty() && d[0] == '.' ? 1 : 0;
  size_t dot = d.find('.', start);
  if (dot == std::string::npos || dot == start) return false;
  size_t last = d.rfind('.');
  if (last == dot) return false;  // no further dot: the rest would be a TLD
  d = d.substr(dot);
  return true;
}
}  // namespace

Shape::Shape(ShapeOptions o) : o_(o) {}

int Shape::bucket(double age) const {
  double m = age / (60.0 * o_.tick);
  if (m < 1) return 1;
  long b = o_.linear ? long(m + 1) : 2 + long(std::log(m) / std::log(2.0));
  return int(std::min<long>(b, o_.buckets));
}

Shape::Counts& Shape::row(const std::string& d) {
  auto& c = rows_[d];
  if (c.empty()) c.assign(size_t(o_.buckets) + 1, 0);
  return c;
}

void Shape::add(double age, const std::vector<std::string>& addresses) {
  int b = bucket(age);
  for (const auto& addr : addresses) {
    auto& t = row("TOTAL");
    ++t[0];
    ++t[size_t(b)];
    std::string d = shape_domain(addr);
    bool child_new = false;
    for (;;) {
      auto& c = row(d);
      bool old = ++c[0] > 1;
      ++c[size_t(b)];
      if (child_new) ++subdomains_[d];
      child_new = !old;
      if (!o_.parents || !to_parent(d)) break;
    }
  }
}

std::string Shape::table() const {
  Counts total = rows_.count("TOTAL") ? rows_.at("TOTAL") : Counts(size_t(o_.buckets) + 1, 0);
  std::vector<std::string> heads;
  std::vector<int> widths;
  int dw = o_.width;
  std::string t = "0";
  long tv = 0;
  for (int i = 0; i <= o_.buckets;) {
    std::string h = i == 0 ? "T" : t;
    int l = int(std::max(std::to_string(total[size_t(i)]).size(), h.size()));
    l = l > 2 ? l + 1 : 3;
    heads.push_back(h);
    widths.push_back(l);
    dw -= l;
    if (++i < o_.buckets) {
      tv += (tv && !o_.linear) ? tv : o_.tick;
      t = std::to_string(tv);
    } else {
      t = std::to_string(tv) + "+";
    }
  }
  dw = std::max(dw, 18);

  auto line = [&](const std::string& d, const std::vector<std::string>& cells) {
    std::string out;
    int len = int(d.size());
    if (len > dw) out = d[0] == '.' ? ".+" + d.substr(size_t(len - dw + 2)) : "+" + d.substr(size_t(len - dw + 1));
    else out = std::string(size_t(dw - len), ' ') + d;
    for (size_t i = 0; i < cells.size(); ++i) out += fmt::format("{:>{}}", cells[i], widths[i]);
    return out + "\n";
  };
  std::string out = line("", heads);

  std::vector<std::pair<std::string, const Counts*>> order;
  for (const auto& [d, c] : rows_) order.emplace_back(d, &c);
  if (!rows_.count("TOTAL")) order.emplace_back("TOTAL", &total);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    if ((*a.second)[0] != (*b.second)[0]) return (*a.second)[0] > (*b.second)[0];
    return a.first.size() < b.first.size();
  });
  int shown = 0;
  for (const auto& [d, c] : order) {
    if (!d.empty() && d[0] == '.') {
      auto it = subdomains_.find(d);
      if (it == subdomains_.end() || it->second < o_.min_subdomains) continue;
    }
    if (o_.top_domains > 0 && ++shown > o_.top_domains) break;
    std::vector<std::string> cells;
    for (long n : *c) cells.push_back(std::to_string(n));
    out += line(d, cells);
  }
  return out;
}

}  // namespace tern::queue
