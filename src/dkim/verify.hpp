// DKIM verification (RFC 6376 §6, RFC 8463, RFC 8301), split in two so that the same code
// serves the event loop and blocking callers:
//
//   1. Verifier v(message, options)      parses every DKIM-Signature field (no I/O); those
//                                        that cannot be checked get their result now
//   2. v.key_names()                     the TXT names still needed (selector._domainkey.d)
//   3. v.add_key(name, answer)           each answer, however it was fetched
//   4. v.results()                       one result per signature, in message order
//
// verify_message() does 2-3 with a blocking Resolver::lookup(); verify_await.hpp has the
// coroutine form over dns::async_lookup(). Results carry what Authentication-Results
// needs (RFC 8601 §2.7.1: result, reason, header.d, header.s, header.a, header.b prefix).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dkim/header_fields.hpp"
#include "dkim/signature.hpp"
#include "dns/answer.hpp"
#include "dns/resolver.hpp"

namespace tern::config {
struct Params;
}

namespace tern::dkim {

enum class Outcome { pass, fail, neutral, temperror, permerror };
std::string_view result_name(Outcome r);

struct VerifyOptions {
  bool allow_rsa_sha1 = false;        // dkim_allow_rsa_sha1
  int min_key_bits = 1024;            // dkim_min_key_bits (RSA)
  int64_t clock_skew = 300;           // dkim_clock_skew, seconds
  size_t signature_limit = 5;         // dkim_verify_signature_limit
  int64_t now = 0;                    // the verification time; 0: the clock
};

struct SignatureResult {
  Outcome result = Outcome::neutral;
  std::string reason;                 // why, when not pass ("body hash mismatch", ...)
  std::string domain, selector, algorithm, identity;  // d=, s=, a=, i= as written ("" if unparsed)
  std::string b_text;                 // b= without FWS; header.b takes a prefix of it
  int key_bits = 0;                   // RSA modulus / 256 for ed25519, once the key is known
  bool testing = false;               // the key record says t=y

  std::string b_prefix(size_t n = 8) const { return b_text.substr(0, n); }
};

class Verifier {
 public:
  Verifier(std::string_view message, const VerifyOptions& opt);
  std::vector<std::string> key_names() const;  // distinct names, those not yet answered
  void add_key(const std::string& name, const dns::Answer& answer);
  std::vector<SignatureResult> results() const;

 private:
  struct Candidate {
    const HeaderField* field;
    std::optional<Signature> sig;
    SignatureResult result;
    bool decided = false;
  };
  void check(Candidate& c, std::string_view txt);
  // The body hash the signature's c=, a= and l= call for; "" when l= is longer than the
  // canonical body (§3.5: such a signature cannot be valid).
  std::string body_hash(const Signature& s) const;
  std::string header_data(const Candidate& c) const;

  std::string_view message_;
  VerifyOptions opt_;
  SplitMessage split_;
  std::vector<Candidate> candidates_;
  mutable std::map<std::string, std::string> body_hashes_;  // by canon/algorithm/length
};

std::vector<SignatureResult> verify_message(std::string_view message, dns::Resolver& r, const VerifyOptions& opt);

// dkim_allow_rsa_sha1, dkim_min_key_bits, dkim_clock_skew, dkim_verify_signature_limit.
VerifyOptions verify_options(const config::Params& p);

// The DKIM-Signature field `field` with the value of its b= tag removed (§3.7), for the
// header hash.
std::string without_b_value(std::string_view field);

}  // namespace tern::dkim
