// The _smtp._tls record; see record.hpp.
#include "tlsrpt/record.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"
#include "sts/policy.hpp"

namespace tern::tlsrpt {

namespace {

constexpr std::string_view kVersion = "v=TLSRPTv1";

// tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E): visible characters but "=" and ";".
bool ext_value(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (c < 0x21 || c > 0x7e || c == '=' || c == ';') return false;
  return true;
}

// A report URI: mailto:ADDR with an "@", or https://HOST…; URI characters only.
Result<std::string> report_uri(std::string_view u) {
  if (u.empty()) return Error{"empty URI in rua"};
  for (char c : u)
    if (c < 0x21 || c > 0x7e || c == '"' || c == '<' || c == '>' || c == '\\')
      return Error{fmt::format("bad character in rua URI \"{}\"", printable(u))};
  if (istarts_with(u, "mailto:")) {
    std::string_view addr = u.substr(7);
    size_t at = addr.find('@');
    if (at == 0 || at == std::string_view::npos || at + 1 == addr.size())
      return Error{fmt::format("rua URI \"{}\" is not a mail address", printable(u))};
    return std::string(u);
  }
  if (istarts_with(u, "https://")) {
    std::string_view rest = u.substr(8);
    if (rest.empty() || rest[0] == '/') return Error{fmt::format("rua URI \"{}\" has no host", printable(u))};
    return std::string(u);
  }
  return Error{fmt::format("rua URI \"{}\" is neither mailto: nor https:", printable(u))};
}

Result<std::vector<std::string>> parse_rua(std::string_view value) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (;;) {
    size_t comma = value.find(',', pos);
    auto uri = report_uri(trim_wsp(value.substr(pos, comma == std::string_view::npos ? value.npos : comma - pos)));
    if (!uri) return uri.error();
    out.push_back(std::move(*uri));
    if (comma == std::string_view::npos) return out;
    pos = comma + 1;
  }
}

}  // namespace

Result<Record> parse_record(std::string_view txt) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  for (;;) {
    size_t semi = txt.find(';', pos);
    fields.push_back(trim_wsp(txt.substr(pos, semi == std::string_view::npos ? txt.npos : semi - pos)));
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  if (fields.size() > 1 && fields.back().empty()) fields.pop_back();  // one trailing ";" is allowed
  if (fields[0] != kVersion) return Error{"the record does not start with v=TLSRPTv1"};
  Record r;
  bool have_rua = false;
  for (size_t i = 1; i < fields.size(); ++i) {
    std::string_view f = fields[i];
    size_t eq = f.find('=');
    if (f.empty()) return Error{"empty field"};
    if (eq == std::string_view::npos) return Error{fmt::format("field \"{}\" has no \"=\"", printable(f))};
    std::string_view name = f.substr(0, eq), value = f.substr(eq + 1);
    if (name == "rua") {
      if (have_rua) return Error{"more than one rua="};
      auto uris = parse_rua(value);
      if (!uris) return uris.error();
      r.rua = std::move(*uris);
      have_rua = true;
    } else if (!sts::valid_ext_name(name) || !ext_value(value)) {
      return Error{fmt::format("malformed field \"{}\"", printable(f))};
    }
  }
  if (!have_rua) return Error{"no rua= field"};
  return r;
}

Result<Record> select_record(const std::vector<std::string>& txts) {
  std::vector<const std::string*> candidates;
  for (const auto& t : txts)
    if (std::string_view(t).starts_with("v=TLSRPTv1;")) candidates.push_back(&t);
  if (candidates.empty()) return Error{"no v=TLSRPTv1 record"};
  if (candidates.size() > 1) return Error{fmt::format("{} v=TLSRPTv1 records, not one", candidates.size())};
  return parse_record(*candidates[0]);
}

}  // namespace tern::tlsrpt
