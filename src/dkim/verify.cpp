// DKIM verification; see verify.hpp.
#include "dkim/verify.hpp"

#include <ctime>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "config/params.hpp"
#include "dkim/crypto.hpp"
#include "dkim/key_record.hpp"
#include "dkim/tags.hpp"
#include "dns/rdata.hpp"

namespace tern::dkim {

namespace {

void decide(SignatureResult& r, Outcome o, std::string reason) {
  r.result = o;
  r.reason = std::move(reason);
}

}  // namespace

std::string_view result_name(Outcome r) {
  switch (r) {
    case Outcome::pass: return "pass";
    case Outcome::fail: return "fail";
    case Outcome::neutral: return "neutral";
    case Outcome::temperror: return "temperror";
    case Outcome::permerror: return "permerror";
  }
  return "?";
}

std::string without_b_value(std::string_view field) {
  // The tag list has been validated, so ";" only ever separates tags.
  size_t colon = field.find(':');
  size_t pos = colon == std::string_view::npos ? 0 : colon + 1;
  while (pos <= field.size()) {
    size_t semi = field.find(';', pos);
    size_t end = semi == std::string_view::npos ? field.size() : semi;
    size_t eq = field.find('=', pos);
    if (eq != std::string_view::npos && eq < end && strip_fws(field.substr(pos, eq - pos)) == "b") {
      return std::string(field.substr(0, eq + 1)) + std::string(field.substr(end));
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return std::string(field);
}

Verifier::Verifier(std::string_view message, const VerifyOptions& opt)
    : message_(message), opt_(opt), split_(split_message(message)) {
  if (opt_.now == 0) opt_.now = int64_t(std::time(nullptr));
  size_t checked = 0;
  for (const auto& h : split_.headers) {
    if (!iequals(h.name, "DKIM-Signature")) continue;
    Candidate c{&h, std::nullopt, {}, false};
    auto sig = parse_signature(h.value);
    if (sig) {
      c.result.domain = sig->domain;
      c.result.selector = sig->selector;
      c.result.algorithm = std::string(algorithm_name(sig->algorithm));
      c.result.identity = sig->identity;
      c.result.b_text = sig->b_text;
    }
    if (++checked > opt_.signature_limit) {
      decide(c.result, Outcome::neutral, "not checked (over dkim_verify_signature_limit)");
      c.decided = true;
    } else if (!sig) {
      decide(c.result, Outcome::neutral, "bad signature: " + sig.error().message);
      c.decided = true;
    } else if (sig->algorithm == Algorithm::rsa_sha1 && !opt_.allow_rsa_sha1) {
      decide(c.result, Outcome::permerror, "rsa-sha1 is not accepted (RFC 8301)");
      c.decided = true;
    } else if (sig->expiration && *sig->expiration + opt_.clock_skew < opt_.now) {
      decide(c.result, Outcome::neutral, "signature expired");
      c.decided = true;
    } else if (sig->timestamp && *sig->timestamp > opt_.now + opt_.clock_skew) {
      decide(c.result, Outcome::neutral, "signature timestamp in the future");
      c.decided = true;
    }
    if (sig) c.sig = std::move(*sig);
    candidates_.push_back(std::move(c));
  }
}

std::vector<std::string> Verifier::key_names() const {
  std::vector<std::string> out;
  for (const auto& c : candidates_) {
    if (c.decided) continue;
    std::string n = lower(c.sig->key_name());
    bool seen = false;
    for (const auto& o : out) seen |= o == n;
    if (!seen) out.push_back(n);
  }
  return out;
}

void Verifier::add_key(const std::string& name, const dns::Answer& a) {
  for (auto& c : candidates_) {
    if (c.decided || lower(c.sig->key_name()) != lower(name)) continue;
    c.decided = true;
    if (a.outcome == dns::Outcome::temporary) {
      decide(c.result, Outcome::temperror, "key lookup failed: " + (a.error.empty() ? "temporary DNS failure" : a.error));
      continue;
    }
    if (!a.has_data()) {
      decide(c.result, Outcome::permerror, fmt::format("no key for signature ({})", dns::outcome_name(a.outcome)));
      continue;
    }
    auto txt = dns::txt_strings(a);
    if (!txt) {
      decide(c.result, Outcome::temperror, "key lookup: " + txt.error().message);
      continue;
    }
    // One record is expected; several make the choice ambiguous (§3.6.2.2 allows
    // trying them; the first that parses as a DKIM key is used).
    std::string_view use = txt->front();
    for (const auto& t : *txt)
      if (parse_key_record(t)) {
        use = t;
        break;
      }
    check(c, use);
  }
}

void Verifier::check(Candidate& c, std::string_view txt) {
  const Signature& s = *c.sig;
  auto k = parse_key_record(txt);
  if (!k) return decide(c.result, Outcome::permerror, k.error().message);
  c.result.testing = k->testing;
  if (k->public_key.empty()) return decide(c.result, Outcome::permerror, "key revoked");
  if ((k->type == KeyType::ed25519) != (s.algorithm == Algorithm::ed25519_sha256))
    return decide(c.result, Outcome::permerror, "key type does not match a=");
  if (!k->allows_hash(s.algorithm == Algorithm::rsa_sha1 ? "sha1" : "sha256"))
    return decide(c.result, Outcome::permerror, "key record's h= does not allow the hash");
  if (!k->allows_email()) return decide(c.result, Outcome::permerror, "key record's s= is not for email");
  if (k->strict_identity) {
    size_t at = s.identity.rfind('@');
    if (!iequals(std::string_view(s.identity).substr(at + 1), s.domain))
      return decide(c.result, Outcome::permerror, "key record has t=s and i= is a subdomain of d=");
  }
  auto key = public_key(k->type, k->public_key);
  if (!key) return decide(c.result, Outcome::permerror, key.error().message);
  c.result.key_bits = key_bits(*key);
  if (k->type == KeyType::rsa && c.result.key_bits < opt_.min_key_bits)
    return decide(c.result, Outcome::permerror,
                  fmt::format("{}-bit key is below dkim_min_key_bits", c.result.key_bits));
  std::string bh = body_hash(s);
  if (bh.empty()) return decide(c.result, Outcome::fail, "l= is longer than the body");
  if (bh != s.body_hash) return decide(c.result, Outcome::fail, "body hash mismatch");
  if (!verify_data(s.algorithm, *key, header_data(c), s.signature))
    return decide(c.result, Outcome::fail, "signature did not verify");
  decide(c.result, Outcome::pass, "");
}

std::string Verifier::body_hash(const Signature& s) const {
  std::string id = fmt::format("{}/{}/{}", canon_name(s.body_canon), algorithm_name(s.algorithm),
                               s.length ? std::to_string(*s.length) : "");
  auto& cache = body_hashes_;
  if (auto it = cache.find(id); it != cache.end()) return it->second;
  Digest d(s.algorithm);
  uint64_t left = s.length ? *s.length : UINT64_MAX;
  BodyCanonicalizer b(s.body_canon, [&](std::string_view bytes) {
    size_t n = size_t(std::min<uint64_t>(left, bytes.size()));
    d.update(bytes.substr(0, n));
    left -= n;
  });
  b.update(split_.body);
  b.finish();
  std::string hash = d.final();
  if (s.length && left > 0) hash.clear();
  return cache[id] = hash;
}

std::string Verifier::header_data(const Candidate& c) const {
  const Signature& s = *c.sig;
  std::vector<std::string_view> names(s.headers.begin(), s.headers.end());
  std::string data;
  for (const HeaderField* h : select_headers(split_, names, c.field)) {
    data += canon_header(s.header_canon, h->field);
    data += "\r\n";
  }
  data += canon_header(s.header_canon, without_b_value(c.field->field));
  return data;
}

std::vector<SignatureResult> Verifier::results() const {
  std::vector<SignatureResult> out;
  for (const auto& c : candidates_) {
    SignatureResult r = c.result;
    if (!c.decided) decide(r, Outcome::temperror, "no key fetched");
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<SignatureResult> verify_message(std::string_view message, dns::Resolver& r, const VerifyOptions& opt) {
  Verifier v(message, opt);
  for (const auto& name : v.key_names()) v.add_key(name, r.lookup(name, dns::Type::TXT));
  return v.results();
}

VerifyOptions verify_options(const config::Params& p) {
  VerifyOptions o;
  o.allow_rsa_sha1 = p.dkim_allow_rsa_sha1;
  o.min_key_bits = int(p.dkim_min_key_bits);
  o.clock_skew = int64_t(p.dkim_clock_skew.count());
  o.signature_limit = size_t(p.dkim_verify_signature_limit);
  return o;
}

}  // namespace tern::dkim
