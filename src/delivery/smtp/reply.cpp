// ReplyParser and the texts made of a ServerReply; see reply.hpp.
#include "delivery/smtp/reply.hpp"

namespace tern::delivery::smtp {

namespace {

// "5.1.1" at the start of `text` (class digit, 1-3 digits, 1-3 digits): its length, or 0.
size_t enhanced_length(std::string_view text) {
  auto digits = [&](size_t& i, size_t max) {
    size_t start = i;
    while (i < text.size() && i - start < max && text[i] >= '0' && text[i] <= '9') ++i;
    return i > start;
  };
  if (text.size() < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.') return 0;
  size_t i = 2;
  if (!digits(i, 3) || i >= text.size() || text[i] != '.') return 0;
  ++i;
  if (!digits(i, 3)) return 0;
  if (i < text.size() && text[i] != ' ') return 0;
  return i;
}

}  // namespace

const char* describe(ReplyError e) {
  switch (e) {
    case ReplyError::none: return "complete";
    case ReplyError::need_more: return "incomplete reply";
    case ReplyError::bad_code: return "malformed reply code";
    case ReplyError::mixed_codes: return "reply lines with different codes";
    case ReplyError::line_too_long: return "reply line too long";
    case ReplyError::too_many_lines: return "too many reply lines";
  }
  return "reply error";
}

std::string ServerReply::status() const {
  char cls = char('0' + code / 100);
  if (dsn.size() >= 5 && dsn[0] == cls) return dsn;
  return std::string(1, cls) + ".0.0";
}

std::string ServerReply::text() const {
  std::string out = std::to_string(code);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (i > 0 && !dsn.empty() && l.substr(0, dsn.size()) == dsn) {
      l.remove_prefix(dsn.size());
      while (!l.empty() && l.front() == ' ') l.remove_prefix(1);
    }
    if (!l.empty()) out.append(" ").append(l);
  }
  return out;
}

ParseStep ReplyParser::feed(std::string_view bytes) {
  ParseStep step;
  while (step.consumed < bytes.size()) {
    auto nl = bytes.find('\n', step.consumed);
    size_t end = nl == std::string_view::npos ? bytes.size() : nl;
    if (partial_.size() + (end - step.consumed) > max_line) {
      step.error = ReplyError::line_too_long;
      return step;
    }
    partial_.append(bytes.substr(step.consumed, end - step.consumed));
    if (nl == std::string_view::npos) {
      step.consumed = bytes.size();
      return step;
    }
    step.consumed = nl + 1;
    if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
    std::string l = std::move(partial_);
    partial_.clear();
    step.error = line(l);
    if (step.error != ReplyError::need_more) return step;
  }
  return step;
}

ReplyError ReplyParser::line(std::string_view l) {
  bool digits = l.size() >= 3 && l[0] >= '2' && l[0] <= '5' && l[1] >= '0' && l[1] <= '9' && l[2] >= '0' &&
                l[2] <= '9';
  if (!digits || (l.size() > 3 && l[3] != ' ' && l[3] != '-')) return ReplyError::bad_code;
  int code = (l[0] - '0') * 100 + (l[1] - '0') * 10 + (l[2] - '0');
  if (!reply_.lines.empty() && code != reply_.code) return ReplyError::mixed_codes;
  if (reply_.lines.size() >= max_lines) return ReplyError::too_many_lines;
  std::string_view text = l.size() > 4 ? l.substr(4) : std::string_view();
  if (reply_.lines.empty()) {
    reply_.code = code;
    if (size_t n = enhanced_length(text)) reply_.dsn = std::string(text.substr(0, n));
  }
  reply_.lines.emplace_back(text);
  bool last = l.size() == 3 || l[3] == ' ';
  done_ = last;
  return last ? ReplyError::none : ReplyError::need_more;
}

ServerReply ReplyParser::take() {
  ServerReply r = std::move(reply_);
  reply_ = {};
  done_ = false;
  return r;
}

}  // namespace tern::delivery::smtp
