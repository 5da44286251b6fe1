// pipe(8) attribute parsing; see pipe_args.hpp.
#include "delivery/pipe_args.hpp"

#include <array>
#include <cctype>
#include <utility>

#include "base/strings.hpp"

namespace tern::delivery::pipe {

namespace {

constexpr std::array<std::pair<std::string_view, Macro>, 18> kMacros = {{
    {"sender", Macro::sender},
    {"nexthop", Macro::nexthop},
    {"size", Macro::size},
    {"queue_id", Macro::queue_id},
    {"client_address", Macro::client_address},
    {"client_hostname", Macro::client_hostname},
    {"client_helo", Macro::client_helo},
    {"client_port", Macro::client_port},
    {"client_protocol", Macro::client_protocol},
    {"sasl_method", Macro::sasl_method},
    {"sasl_username", Macro::sasl_username},
    {"sasl_sender", Macro::sasl_sender},
    {"recipient", Macro::recipient},
    {"original_recipient", Macro::original_recipient},
    {"user", Macro::user},
    {"extension", Macro::extension},
    {"mailbox", Macro::mailbox},
    {"domain", Macro::domain},
}};

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string quoted(std::string_view s) { return "\"" + printable(s, 80) + "\""; }

// "name=" at the start of `arg`, case-insensitively as Postfix compares attribute names.
bool has_attr(std::string_view arg, std::string_view name) { return istarts_with(arg, name); }

Status parse_flags(std::string_view arg, Flags& f) {
  for (char c : arg.substr(6)) {
    switch (c) {
      case 'B': f.blank = true; break;
      case 'D': f.delivered_to = true; break;
      case 'F': f.from_line = true; break;
      case 'O': f.original_to = true; break;
      case 'R': f.return_path = true; break;
      case 'X': f.final = true; break;
      case 'h': f.fold_host = true; break;
      case 'q': f.quote = true; break;
      case 'u': f.fold_user = true; break;
      case '.': f.dot = true; break;
      case '>': f.quote_from = true; break;
      default:
        return Error{"unknown flag " + quoted(std::string_view(&c, 1)) + " in " + quoted(arg) +
                     " (known: BDFORXhqu.>)"};
    }
  }
  return ok_status();
}

Status parse_user(std::string_view value, PipeSpec& spec) {
  auto colon = value.find(':');
  std::string_view user = value.substr(0, colon);
  std::string_view group = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
  if (user.empty()) return Error{"bad user= value " + quoted(value) + ": no user name"};
  for (char c : value)
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      return Error{"bad user= value " + quoted(value) + ": white space or control character"};
  if (group.find(':') != std::string_view::npos)
    return Error{"bad user= value " + quoted(value) + ": expected user or user:group"};
  spec.user = std::string(user);
  spec.group = std::string(group);
  return ok_status();
}

Status parse_size(std::string_view value, PipeSpec& spec) {
  auto n = parse_int(value);
  if (!n || *n < 0 || value.empty() || !std::isdigit(static_cast<unsigned char>(value.front())))
    return Error{"bad size= value " + quoted(value) + ": expected a number of bytes"};
  spec.size_limit = *n;
  return ok_status();
}

// Appends the macro named `name` (from `arg`) to `t`.
Status add_macro(std::string_view name, std::string_view arg, ArgTemplate& t) {
  for (const auto& [n, m] : kMacros) {
    if (n != name) continue;
    t.pieces.push_back({"", m, true});
    t.per_recipient |= per_recipient(m);
    return ok_status();
  }
  return Error{"unknown macro name " + quoted(name) + " in argv= argument " + quoted(arg)};
}

}  // namespace

bool per_recipient(Macro m) { return m >= Macro::recipient; }

std::string_view macro_name(Macro m) {
  for (const auto& [n, mm] : kMacros)
    if (mm == m) return n;
  return "?";
}

Result<ArgTemplate> parse_arg_template(std::string_view arg) {
  ArgTemplate t;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) t.pieces.push_back({std::move(literal), Macro::sender, false});
    literal.clear();
  };
  for (size_t i = 0; i < arg.size();) {
    if (arg[i] != '$') {
      literal += arg[i++];
      continue;
    }
    if (i + 1 < arg.size() && arg[i + 1] == '$') {
      literal += '$';
      i += 2;
      continue;
    }
    std::string_view name;
    if (i + 1 < arg.size() && (arg[i + 1] == '{' || arg[i + 1] == '(')) {
      char close = arg[i + 1] == '{' ? '}' : ')';
      size_t end = arg.find(close, i + 2);
      if (end == std::string_view::npos)
        return Error{"unterminated macro " + quoted(arg.substr(i)) + " in argv= argument " + quoted(arg) +
                     " (missing '" + std::string(1, close) + "')"};
      name = arg.substr(i + 2, end - i - 2);
      i = end + 1;
    } else {
      size_t end = i + 1;
      while (end < arg.size() && is_name_char(arg[end])) ++end;
      if (end == i + 1)
        return Error{"stray '$' in argv= argument " + quoted(arg) + " (write $$ for a dollar sign)"};
      name = arg.substr(i + 1, end - i - 1);
      i = end;
    }
    flush();
    if (auto s = add_macro(name, arg, t); !s) return s.error();
  }
  flush();
  return t;
}

Result<std::string> unescape_eol(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) return Error{"bad eol= value " + quoted(text) + ": ends with a backslash"};
    char c = text[i];
    static constexpr std::string_view kFrom = "abfnrtv\\", kTo = "\a\b\f\n\r\t\v\\";
    if (auto k = kFrom.find(c); k != std::string_view::npos) {
      out += kTo[k];
    } else if (c >= '0' && c <= '7') {
      int v = 0;
      size_t n = 0;
      for (; n < 3 && i < text.size() && text[i] >= '0' && text[i] <= '7'; ++n, ++i) v = v * 8 + (text[i] - '0');
      --i;
      if (v > 255) return Error{"bad eol= value " + quoted(text) + ": octal escape above \\377"};
      out += char(v);
    } else {
      return Error{"bad eol= value " + quoted(text) + ": unknown escape \\" + std::string(1, c)};
    }
  }
  return out;
}

Result<PipeSpec> parse_pipe_args(const std::vector<std::string>& args) {
  PipeSpec spec;
  bool have_user = false, have_argv = false;
  for (size_t i = 0; i < args.size() && !have_argv; ++i) {
    std::string_view a = args[i];
    Status st = ok_status();
    if (has_attr(a, "flags=")) {
      st = parse_flags(a, spec.flags);
    } else if (has_attr(a, "user=")) {
      st = parse_user(a.substr(5), spec);
      have_user = true;
    } else if (has_attr(a, "size=")) {
      st = parse_size(a.substr(5), spec);
    } else if (has_attr(a, "eol=")) {
      auto e = unescape_eol(a.substr(4));
      if (!e) return e.error();
      spec.eol = std::move(*e);
    } else if (has_attr(a, "null_sender=")) {
      spec.null_sender = std::string(a.substr(12));
    } else if (has_attr(a, "directory=")) {
      spec.directory = std::string(a.substr(10));
    } else if (has_attr(a, "chroot=")) {
      return Error{"chroot= is not supported: Tern runs pipe commands without a chroot"};
    } else if (has_attr(a, "argv=")) {
      have_argv = true;
      std::string_view cmd = a.substr(5);
      if (cmd.empty()) return Error{"argv= names no command (write argv=/path/to/command args...)"};
      spec.command = std::string(cmd);
      for (size_t j = i; j < args.size(); ++j) {
        auto t = parse_arg_template(j == i ? cmd : std::string_view(args[j]));
        if (!t) return t.error();
        spec.argv.push_back(std::move(*t));
      }
    } else {
      return Error{"unknown attribute name: " + quoted(a) +
                   " (known: flags= user= size= eol= null_sender= directory= argv=)"};
    }
    if (!st) return st.error();
  }
  if (!have_user) return Error{"missing user= attribute"};
  if (!have_argv) return Error{"missing argv= attribute"};
  return spec;
}

}  // namespace tern::delivery::pipe
