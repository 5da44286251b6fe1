// DKIM signing; see sign.hpp.
#include "dkim/sign.hpp"

#include <ctime>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "dkim/header_fields.hpp"
#include "sasl/base64.hpp"

namespace tern::dkim {

namespace {

// Appends "tag=value;" to the field, starting a new "\n\t" line when the current one
// would pass 78 characters.
void add_tag(std::string& field, size_t& line_len, std::string_view tag, bool space = true) {
  if (line_len + tag.size() + 1 > 78) {
    field += "\n\t";
    line_len = 1;
  } else if (space) {
    field += ' ';
    ++line_len;
  }
  field += tag;
  line_len += tag.size();
}

std::string body_hash(std::string_view body, Canon c, Algorithm a) {
  Digest d(a);
  BodyCanonicalizer b(c, [&d](std::string_view bytes) { d.update(bytes); });
  b.update(body);
  b.finish();
  return d.final();
}

}  // namespace

Result<std::string> sign_message(std::string_view message, const SigningKey& k, const SignOptions& opt) {
  SplitMessage m = split_message(message);
  bool has_from = false;
  for (const auto& h : m.headers) has_from |= iequals(h.name, "From");
  if (!has_from) return Error{"the message has no From header field"};
  Algorithm alg = key_type(k.key) == KeyType::ed25519 ? Algorithm::ed25519_sha256 : Algorithm::rsa_sha256;

  std::vector<std::string> names;
  for (const auto& want : opt.headers) {
    size_t present = 0;
    for (const auto& h : m.headers) present += iequals(h.name, want);
    bool over = false;
    for (const auto& o : opt.oversign) over |= iequals(o, want);
    for (size_t i = 0; i < present + (over ? 1 : 0); ++i) names.push_back(lower(want));
  }
  for (const auto& o : opt.oversign) {  // over-signed names not in the header list
    bool listed = false;
    for (const auto& want : opt.headers) listed |= iequals(o, want);
    if (listed) continue;
    size_t present = 0;
    for (const auto& h : m.headers) present += iequals(h.name, o);
    for (size_t i = 0; i < present + 1; ++i) names.push_back(lower(o));
  }

  int64_t now = opt.now ? opt.now : int64_t(std::time(nullptr));
  std::string field = "DKIM-Signature:";
  size_t line_len = field.size();
  add_tag(field, line_len, "v=1;");
  add_tag(field, line_len, fmt::format("a={};", algorithm_name(alg)));
  add_tag(field, line_len, fmt::format("c={}/{};", canon_name(opt.header_canon), canon_name(opt.body_canon)));
  add_tag(field, line_len, fmt::format("d={};", k.domain));
  add_tag(field, line_len, fmt::format("s={};", k.selector));
  if (!k.identity.empty()) add_tag(field, line_len, fmt::format("i={};", k.identity));
  add_tag(field, line_len, fmt::format("t={};", now));
  if (opt.ttl > 0) add_tag(field, line_len, fmt::format("x={};", now + opt.ttl));
  for (size_t i = 0; i < names.size(); ++i)  // h= may fold between names
    add_tag(field, line_len, (i == 0 ? "h=" : ":") + names[i] + (i + 1 == names.size() ? ";" : ""), i == 0);
  std::string bh = sasl::base64_encode(body_hash(m.body, opt.body_canon, alg));
  add_tag(field, line_len, fmt::format("bh={};", bh));
  add_tag(field, line_len, "b=");

  std::vector<std::string_view> views(names.begin(), names.end());
  std::string data;
  for (const HeaderField* h : select_headers(m, views)) {
    data += canon_header(opt.header_canon, h->field);
    data += "\r\n";
  }
  data += canon_header(opt.header_canon, field);
  auto sig = sign_data(alg, k.key, data);
  if (!sig) return sig.error();
  std::string b = sasl::base64_encode(*sig);
  for (size_t i = 0; i < b.size(); i += 72) {  // the signature value on lines of its own
    if (i > 0 || line_len + 72 > 78) field += "\n\t ";
    field += b.substr(i, 72);
  }
  field += "\n";
  return field;
}

}  // namespace tern::dkim
