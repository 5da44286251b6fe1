// Header and body checks; see content_checks.hpp.
#include "message/content_checks.hpp"

#include <fmt/format.h>

#include <cctype>
#include <optional>

#include "base/strings.hpp"

namespace tern {

namespace {

struct VerbName {
  std::string_view name;
  CheckVerb verb;
};
constexpr VerbName kVerbs[] = {
    {"REJECT", CheckVerb::reject},   {"DISCARD", CheckVerb::discard}, {"HOLD", CheckVerb::hold},
    {"REDIRECT", CheckVerb::redirect}, {"FILTER", CheckVerb::filter}, {"BCC", CheckVerb::bcc},
    {"PREPEND", CheckVerb::prepend}, {"REPLACE", CheckVerb::replace}, {"IGNORE", CheckVerb::ignore},
    {"STRIP", CheckVerb::strip},     {"WARN", CheckVerb::warn},       {"INFO", CheckVerb::info},
    {"PASS", CheckVerb::pass},       {"DUNNO", CheckVerb::dunno},     {"OK", CheckVerb::dunno},
};

// "5.7.1" at the start of `s`, followed by a blank or the end (RFC 3463 x.y.z).
size_t dsn_code_length(std::string_view s) {
  size_t i = 0;
  auto digits = [&](size_t lo, size_t hi) {
    size_t n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++n;
    return n >= lo && n <= hi;
  };
  if (!digits(1, 1) || i >= s.size() || s[i++] != '.' || !digits(1, 3) || i >= s.size() ||
      s[i++] != '.' || !digits(1, 3))
    return 0;
  return i == s.size() || s[i] == ' ' || s[i] == '\t' ? i : 0;
}

// REJECT's reply: the text with 5.7.1 in front unless it has its own 4.x.x/5.x.x code (a
// code of another class becomes 4, as Postfix does); 451 for a 4.x.x code, else 550.
std::string reject_reply(std::string_view text) {
  std::string reason = text.empty() ? "5.7.1 message content rejected"
                       : dsn_code_length(text) ? std::string(text)
                                               : "5.7.1 " + std::string(text);
  if (reason[0] != '4' && reason[0] != '5') reason[0] = '4';
  return (reason[0] == '4' ? "451 " : "550 ") + reason;
}

bool is_address(std::string_view a) {
  size_t at = a.rfind('@');
  return at != std::string_view::npos && at > 0 && at + 1 < a.size() &&
         a.find_first_of(" \t") == std::string_view::npos;
}

// The header or body line being inspected: what the log calls it, its text, its bytes.
struct Inspection {
  const char* where;  // "header" or "body"
  std::string_view input;
  mime::Span span;
};

struct Edit {
  mime::Span span;
  std::string text;  // what replaces span.begin..span.end (PREPEND keeps the span's bytes)
  bool keep = false; // PREPEND: insert before, keep the line
};

class Inspector : public mime::Visitor {
 public:
  Inspector(const ContentChecks& c, const Message& m, ChecksOutcome& out) : c_(c), m_(m), out_(out) {}

  bool header(mime::HeaderClass cls, std::string_view text, mime::Span where) override {
    const maps::MapList& t = cls == mime::HeaderClass::primary ? c_.header
                             : cls == mime::HeaderClass::mime  ? c_.mime
                                                               : c_.nested;
    const char* name = cls == mime::HeaderClass::primary ? "header_checks"
                       : cls == mime::HeaderClass::mime  ? "mime_header_checks"
                                                         : "nested_header_checks";
    if (t.empty()) return true;
    return inspect(t, name, {"header", text, where});
  }

  bool body_line(std::string_view text, mime::Span where, size_t offset) override {
    if (c_.body.empty() || offset >= c_.body_limit) return true;
    return inspect(c_.body, "body_checks", {"body", text, where});
  }

  bool wants_more_than_primary() const override {
    return !c_.mime.empty() || !c_.nested.empty() || !c_.body.empty();
  }

  std::optional<Error> error;
  std::vector<Edit> edits;

 private:
  bool inspect(const maps::MapList& t, const char* table, const Inspection& in) {
    auto found = t.find(in.input);
    if (!found) {
      error = Error{std::string(table) + " map lookup problem: " + found.error().message};
      return false;
    }
    if (!*found) return true;
    auto action = parse_check_action(**found, in.where[0] == 'h');
    if (!action) {
      out_.warnings.push_back(fmt::format("{}: {}: {}", m_.envelope.queue_id, table, action.error().message));
      return true;
    }
    return act(*action, in);
  }

  // Postfix's cleanup_act_log line.
  void log(std::string_view action, const Inspection& in, std::string_view text) {
    const Envelope& e = m_.envelope;
    bool local = e.client.protocol == "LOCAL";
    std::string line = fmt::format("{}: {}: {} {} from {};", e.queue_id, action, in.where, printable(in.input, 200),
                                   local ? std::string("local") : e.client.log_name());
    line += fmt::format(" from=<{}>", printable(e.sender));
    if (!e.recipients.empty()) line += fmt::format(" to=<{}>", printable(e.recipients.front().address));
    if (!local) line += fmt::format(" proto={} helo=<{}>", e.client.protocol, printable(e.client.helo));
    if (!text.empty()) line += fmt::format(": {}", printable(text, 512));
    out_.log.push_back(std::move(line));
  }

  // Returns whether inspection goes on.
  bool act(const CheckAction& a, const Inspection& in) {
    switch (a.verb) {
      case CheckVerb::reject:
        out_.reject = a.text;
        log("reject", in, std::string_view(a.text).substr(4));
        return false;
      case CheckVerb::discard:
        out_.discard = true;
        log("discard", in, a.text);
        return false;
      case CheckVerb::pass:
        log("pass", in, a.text);
        return false;
      case CheckVerb::redirect:  // overrides FILTER and ends inspection, as in Postfix
        out_.redirect = a.text;
        out_.filter.clear();
        log("redirect", in, a.text);
        return false;
      case CheckVerb::hold:
        if (!out_.hold) log("hold", in, a.text);
        out_.hold = true;
        return true;
      case CheckVerb::filter:
        out_.filter = a.text;
        log("filter", in, a.text);
        return true;
      case CheckVerb::bcc:
        out_.bcc.push_back(a.text);
        log("bcc", in, a.text);
        return true;
      case CheckVerb::prepend:
        log("prepend", in, a.text);
        edits.push_back({in.span, a.text + "\n", true});
        return true;
      case CheckVerb::replace:
        log("replace", in, a.text);
        edits.push_back({in.span, a.text + "\n"});
        return true;
      case CheckVerb::strip:
        log("strip", in, a.text);
        edits.push_back({in.span, ""});
        return true;
      case CheckVerb::ignore:
        edits.push_back({in.span, ""});
        return true;
      case CheckVerb::warn: log("warning", in, a.text); return true;
      case CheckVerb::info: log("info", in, a.text); return true;
      case CheckVerb::dunno: return true;
    }
    return true;
  }

  const ContentChecks& c_;
  const Message& m_;
  ChecksOutcome& out_;
};

// The content with the edits (in content order, not overlapping) applied.
std::string apply_edits(std::string_view c, const std::vector<Edit>& edits) {
  std::string out;
  out.reserve(c.size() + 256);
  size_t pos = 0;
  for (const Edit& e : edits) {
    out.append(c.substr(pos, e.span.begin - pos));
    out += e.text;
    pos = e.keep ? e.span.begin : e.span.end;
  }
  out.append(c.substr(pos));
  return out;
}

}  // namespace

Result<CheckAction> parse_check_action(std::string_view value, bool header) {
  size_t blank = value.find_first_of(" \t");
  std::string_view word = value.substr(0, blank);
  std::string_view text = blank == std::string_view::npos ? std::string_view() : value.substr(blank);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);  // as Postfix
  const VerbName* v = nullptr;
  for (const auto& k : kVerbs)
    if (iequals(word, k.name)) v = &k;
  if (!v) return Error{"unknown command: " + printable(value, 200)};
  CheckAction a{v->verb, std::string(text)};
  switch (a.verb) {
    case CheckVerb::reject:
      a.text = reject_reply(text);
      break;
    case CheckVerb::redirect:
    case CheckVerb::bcc:
      if (!is_address(text))
        return Error{fmt::format("bad {} address \"{}\" -- need user@domain", v->name, printable(text, 200))};
      break;
    case CheckVerb::filter:
      if (text.find(':') == std::string_view::npos || text.front() == ':')
        return Error{fmt::format("bad FILTER command \"{}\" -- need transport:destination", printable(text, 200))};
      break;
    case CheckVerb::prepend:
    case CheckVerb::replace:
      if (text.empty()) return Error{fmt::format("{} action without text", v->name)};
      if (text.find('\n') != std::string_view::npos)
        return Error{fmt::format("{} text must be one line", v->name)};
      if (header && !mime::is_header_line(text))
        return Error{fmt::format("bad {} header text \"{}\" -- need \"headername: headervalue\"", v->name,
                                 printable(text, 200))};
      break;
    default: break;
  }
  return a;
}

Result<ContentChecks> ContentChecks::make(const config::Params& p, const maps::OpenContext& ctx) {
  ContentChecks c;
  // Tables Tern would never consult are refused rather than silently ignored: headers added
  // by milters are not checked, and the SMTP client inspects nothing it sends.
  if (!p.milter_header_checks.empty())
    return Error{"milter_header_checks is not supported yet: headers added by milters are not checked"};
  if (!p.smtp_header_checks.empty() || !p.smtp_body_checks.empty())
    return Error{std::string(p.smtp_header_checks.empty() ? "smtp_body_checks" : "smtp_header_checks") +
                 " is not supported yet: the SMTP client does not inspect the mail it sends"};
  struct Table {
    const char* param;
    const std::vector<std::string>& specs;
    maps::MapList& into;
  };
  for (const Table& t : {Table{"header_checks", p.header_checks, c.header},
                         Table{"mime_header_checks", p.mime_header_checks, c.mime},
                         Table{"nested_header_checks", p.nested_header_checks, c.nested},
                         Table{"body_checks", p.body_checks, c.body}}) {
    auto maps = maps::MapList::open(t.specs, ctx);
    if (!maps) return Error{std::string(t.param) + ": " + maps.error().message};
    t.into = std::move(*maps);
  }
  c.body_limit = size_t(p.body_checks_size_limit);
  c.limits.nesting = int(p.mime_nesting_limit);
  c.limits.header_text = size_t(p.header_size_limit);
  c.limits.line_text = size_t(p.line_length_limit);
  c.limits.disabled = p.disable_mime_input_processing;
  return c;
}

Result<ChecksOutcome> run_content_checks(Message& m, const ContentChecks& checks) {
  ChecksOutcome out;
  if (checks.empty()) return out;
  Inspector in(checks, m, out);
  mime::walk_mime(m.content, checks.limits, in);
  if (in.error) return *in.error;
  if (!out.reject.empty() || out.discard) return out;  // the content goes nowhere
  if (!in.edits.empty()) m.content = apply_edits(m.content, in.edits);
  return out;
}

}  // namespace tern
