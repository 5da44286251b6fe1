// smtpd_tls_eecdh_grade → SSL_CTX_set1_groups_list() argument.
#include "tls/groups.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/strings.hpp"

namespace tern::tls {

bool group_known(std::string_view name) {
  if (name.empty() || name.find(':') != std::string_view::npos) return false;
  SSL_CTX* probe = SSL_CTX_new(TLS_server_method());
  if (!probe) return false;
  bool ok = SSL_CTX_set1_groups_list(probe, std::string(name).c_str()) == 1;
  SSL_CTX_free(probe);
  ERR_clear_error();
  return ok;
}

namespace {

Result<std::string> one_curve(const std::string& curve, std::string_view param) {
  if (!group_known(curve))
    return Error{std::string(param) + ": unknown or unsupported curve \"" + curve + "\""};
  return curve;
}

}  // namespace

Result<std::string> eecdh_groups(const config::Params& p, std::vector<std::string>* warnings) {
  std::string grade = lower(trim(p.smtpd_tls_eecdh_grade));
  if (grade == "none") return std::string();
  if (grade == "strong") return one_curve(p.tls_eecdh_strong_curve, "tls_eecdh_strong_curve");
  if (grade == "ultra") return one_curve(p.tls_eecdh_ultra_curve, "tls_eecdh_ultra_curve");
  if (grade != "auto")
    return Error{"smtpd_tls_eecdh_grade: invalid value \"" + p.smtpd_tls_eecdh_grade +
                 "\" (expected auto, strong, ultra or none)"};
  std::string out;
  for (const auto& item : p.tls_eecdh_auto_curves)
    for (auto c : split_any(item, ", \t:")) {
      if (!group_known(c)) {
        if (warnings)
          warnings->push_back("tls_eecdh_auto_curves: ignoring unknown curve \"" +
                              std::string(c) + "\"");
        continue;
      }
      if (!out.empty()) out += ':';
      out += c;
    }
  if (out.empty()) return Error{"tls_eecdh_auto_curves: no supported curve in the list"};
  return out;
}

}  // namespace tern::tls
