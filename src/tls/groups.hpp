// ECDHE key-exchange groups from smtpd_tls_eecdh_grade: "auto" offers tls_eecdh_auto_curves
// in order (names OpenSSL does not know are skipped with a warning, as Postfix does),
// "strong" tls_eecdh_strong_curve, "ultra" tls_eecdh_ultra_curve, "none" leaves OpenSSL's
// defaults. The result is a colon list for SSL_CTX_set1_groups_list().
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"

namespace tern::tls {

// Empty string = keep OpenSSL's default groups.
Result<std::string> eecdh_groups(const config::Params& p, std::vector<std::string>* warnings);

// True when this OpenSSL accepts `name` as a key-exchange group (curve) name.
bool group_known(std::string_view name);

}  // namespace tern::tls
