// AUTH to a relay (smtp_sasl_auth_enable): credentials from smtp_sasl_password_maps by
// nexthop or server name (values "user:password"), the mechanism chosen from what the
// server offers under smtp_sasl_security_options (plaintext session) or
// smtp_sasl_tls_security_options (TLS session) and smtp_sasl_mechanism_filter, and the
// client side of PLAIN and LOGIN as one planned exchange for Session::auth().
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "delivery/smtp/family.hpp"
#include "delivery/smtp/nexthop.hpp"
#include "maps/lookup.hpp"

namespace tern::delivery::smtp {

struct SaslCredentials {
  std::string user, password;
};

struct SaslOptions {
  bool noplaintext = false, noanonymous = false;
};
Result<SaslOptions> parse_sasl_options(const std::vector<std::string>& list, std::string_view param);

// The exchange for Session::auth().
struct SaslPlan {
  std::string mechanism;
  std::optional<std::string> initial;   // the initial response, base64
  std::vector<std::string> responses;   // answers to the server's 334 challenges, base64
};

// The mechanisms tried in order, and what each needs.
Result<SaslPlan> plan_auth(const std::vector<std::string>& offered, const std::vector<std::string>& filter,
                           const SaslOptions& opts, const SaslCredentials& c);

class SaslClient {
 public:
  static Result<std::unique_ptr<SaslClient>> make(const SaslParams& p, const std::string& config_dir);

  // Credentials for this server: the sender address when given
  // (smtp_sender_dependent_authentication), then the nexthop as written, its [host]:port
  // form, then the server's host name. nullopt: no entry (the session goes on without AUTH).
  Result<std::optional<SaslCredentials>> lookup(std::string_view nexthop_text, const Nexthop& n,
                                                std::string_view hostname, std::string_view sender = "") const;
  const SaslOptions& options(bool tls) const { return tls ? tls_opts_ : plain_opts_; }
  const std::vector<std::string>& filter() const { return filter_; }
  bool soft_bounce() const { return soft_bounce_; }

 private:
  std::vector<std::shared_ptr<const maps::Lookup>> maps_;
  SaslOptions plain_opts_, tls_opts_;
  std::vector<std::string> filter_;
  bool soft_bounce_ = true;
};

}  // namespace tern::delivery::smtp
