// Cipher grade parsing and cipher-list construction (Postfix's tls_set_ciphers()).
#include "tls/ciphers.hpp"

#include "base/strings.hpp"

namespace tern::tls {

Result<Grade> parse_grade(std::string_view value, std::string_view param,
                          std::vector<std::string>* warnings) {
  std::string v = lower(trim(value));
  if (v == "high") return Grade::high;
  if (v == "medium") return Grade::medium;
  if (v == "null") return Grade::null;
  if (v == "export" || v == "low") {
    if (warnings)
      warnings->push_back(std::string(param) + ": the \"" + v +
                          "\" cipher grade is obsolete; using \"medium\"");
    return Grade::medium;
  }
  return Error{std::string(param) + ": invalid cipher grade \"" + std::string(value) +
               "\" (expected high, medium or null)"};
}

Result<std::string> cipher_list(Grade grade, const config::Params& p,
                                const std::vector<std::string>& exclusions,
                                std::string_view exclude_param) {
  std::string out = grade == Grade::high     ? p.tls_high_cipherlist
                    : grade == Grade::medium ? p.tls_medium_cipherlist
                                             : p.tls_null_cipherlist;
  if (trim(out).empty()) return Error{"empty cipher list for the selected grade"};
  for (const auto& item : exclusions) {
    for (auto tok : split_any(item, ", \t:")) {
      if (std::string_view("!+-@").find(tok[0]) != std::string_view::npos)
        return Error{std::string(exclude_param) + ": invalid unary '!+-@' in cipher exclusion \"" +
                     std::string(tok) + "\""};
      out += ":!";
      out += tok;
    }
  }
  return out;
}

}  // namespace tern::tls
