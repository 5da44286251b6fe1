// Message copies for delivery; see mail_copy.hpp.
#include "delivery/mail_copy.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"

namespace tern::delivery {

std::string from_line_time(std::time_t t) {
  std::tm tm{};
  ::localtime_r(&t, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return fmt::format("{} {} {:2} {:02}:{:02}:{:02} {}", kDays[tm.tm_wday % 7], kMonths[tm.tm_mon % 12],
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
}

std::string mail_copy(std::string_view content, const CopyOptions& opt) {
  std::string out;
  out.reserve(content.size() + content.size() / 32 + 256);
  const std::string& eol = opt.eol;
  if (opt.from_line) out += "From " + *opt.from_line + "  " + from_line_time(opt.now) + eol;
  if (opt.return_path) out += "Return-Path: <" + *opt.return_path + ">" + eol;
  if (opt.original_to) out += "X-Original-To: " + *opt.original_to + eol;
  if (opt.delivered_to) out += "Delivered-To: " + lower(*opt.delivered_to) + eol;
  size_t i = 0;
  while (i < content.size()) {
    size_t nl = content.find('\n', i);
    size_t end = nl == std::string_view::npos ? content.size() : nl;
    std::string_view line = content.substr(i, end - i);
    if (opt.quote_from && line.starts_with("From ")) out += '>';
    if (opt.dot && line.starts_with(".")) out += '.';
    out += line;
    out += eol;
    i = end + 1;
  }
  if (opt.blank) out += eol;
  return out;
}

bool has_delivered_to(std::string_view content, std::string_view address) {
  size_t i = 0;
  while (i < content.size()) {
    size_t nl = content.find('\n', i);
    size_t end = nl == std::string_view::npos ? content.size() : nl;
    std::string_view line = content.substr(i, end - i);
    if (line.empty()) return false;  // end of the header section
    if (istarts_with(line, "Delivered-To:") && iequals(trim(line.substr(13)), address)) return true;
    i = end + 1;
  }
  return false;
}

}  // namespace tern::delivery
