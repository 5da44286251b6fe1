#include "delivery/smtp/sts.hpp"

#include <fmt/format.h>
#include <openssl/x509v3.h>

#include "base/strings.hpp"
#include "delivery/smtp/channel.hpp"
#include "dns/rdata.hpp"
#include "sts/http_reply.hpp"
#include "tls/ssl_error.hpp"

namespace tern::delivery::smtp {

StsSettings sts_settings(const config::Params& p) {
  StsSettings s;
  s.cache_directory = p.mta_sts_cache_directory;
  s.fetch_timeout = p.mta_sts_fetch_timeout;
  s.size_limit = size_t(p.mta_sts_policy_size_limit);
  s.cafile = p.mta_sts_CAfile;
  s.port = int(p.mta_sts_fetch_port);
  return s;
}

Result<std::unique_ptr<StsPolicies>> StsPolicies::make(const StsSettings& s, std::shared_ptr<dns::Resolver> dns) {
  std::unique_ptr<StsPolicies> sp(new StsPolicies(s, std::move(dns)));
  sp->ctx_ = SSL_CTX_new(TLS_client_method());
  if (!sp->ctx_) return Error{tls::ssl_errors("mta-sts: cannot make a TLS context")};
  SSL_CTX_set_min_proto_version(sp->ctx_, TLS1_2_VERSION);
  SSL_CTX_set_verify(sp->ctx_, SSL_VERIFY_PEER, nullptr);
  if (!s.cafile.empty()) {
    if (SSL_CTX_load_verify_locations(sp->ctx_, s.cafile.c_str(), nullptr) != 1)
      return Error{"mta_sts_CAfile: cannot load " + s.cafile + ": " + tls::ssl_errors()};
  } else if (SSL_CTX_set_default_verify_paths(sp->ctx_) != 1) {
    return Error{tls::ssl_errors("mta-sts: cannot load the system CA store")};
  }
  return sp;
}

StsPolicies::~StsPolicies() {
  if (ctx_) SSL_CTX_free(ctx_);
}

Result<std::string> StsPolicies::fetch(std::string_view domain) const {
  const std::string host = "mta-sts." + lower(domain);
  std::vector<IpAddress> addrs;
  std::string dns_error;
  for (dns::Type t : {dns::Type::A, dns::Type::AAAA}) {
    dns::Answer a = dns_->lookup(host, t);
    if (a.outcome == dns::Outcome::temporary) dns_error = fmt::format("{} {}: {}", host, dns::type_name(t), a.error);
    if (!a.has_data()) continue;
    auto got = dns::addresses(a);
    if (got) addrs.insert(addrs.end(), got->begin(), got->end());
  }
  if (addrs.empty())
    return Error{dns_error.empty() ? fmt::format("{}: no address", host) : dns_error};

  std::string last_error;
  for (const auto& addr : addrs) {
    const Deadline deadline = deadline_in(s_.fetch_timeout);
    const std::string peer = fmt::format("{}[{}]:{}", host, addr.to_string(), s_.port);
    auto conn = SocketChannel::connect_inet(addr, s_.port, s_.fetch_timeout);
    if (!conn.channel) {
      last_error = fmt::format("connect to {}: {}", peer, conn.status.detail);
      continue;
    }
    SSL* ssl = SSL_new(ctx_);
    if (!ssl) return Error{tls::ssl_errors("mta-sts: SSL_new")};
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    SSL_set1_host(ssl, host.c_str());
    if (auto st = conn.channel->start_tls(ssl, deadline); !st) {
      long v = SSL_get_verify_result(ssl);
      last_error = v != X509_V_OK
                       ? fmt::format("{}: certificate not verified: {}", peer, X509_verify_cert_error_string(v))
                       : fmt::format("{}: TLS handshake: {}", peer, st.detail);
      continue;
    }
    if (auto st = conn.channel->write(sts::policy_request(host), deadline); !st) {
      last_error = fmt::format("{}: write: {}", peer, st.detail);
      continue;
    }
    std::string reply;
    for (;;) {
      IoStatus st = conn.channel->read(reply, deadline);
      bool closed = st.kind == IoStatus::closed;
      if (!st && !closed) {
        last_error = fmt::format("{}: read: {}", peer, st.kind == IoStatus::timeout ? "timeout" : st.detail);
        break;
      }
      sts::ReplyState state;
      auto body = sts::policy_body(reply, closed, s_.size_limit, &state);
      if (!body) return Error{fmt::format("https://{}{}: {}", host, sts::kPolicyPath, body.error().message)};
      if (state == sts::ReplyState::complete) return body;
    }
  }
  return Error{last_error};
}

std::optional<sts::CachedPolicy> StsPolicies::remembered(std::string_view domain, std::time_t now,
                                                         std::string* note) const {
  if (s_.cache_directory.empty()) return std::nullopt;  // tern check tls: no cache at all
  const std::string key = lower(domain);
  {
    std::lock_guard lock(mu_);
    if (auto it = memory_.find(key); it != memory_.end()) {
      if (it->second.fresh(now)) return it->second;
      memory_.erase(it);  // expired: the disk may hold a newer one
    }
  }
  auto c = cache_.load(key);
  if (!c) {
    *note = "cache: " + c.error().message + "; ";
    return std::nullopt;
  }
  if (!c->has_value() || !(*c)->fresh(now)) return std::nullopt;
  std::lock_guard lock(mu_);
  memory_.insert_or_assign(key, **c);
  return std::move(*c);
}

void StsPolicies::remember(std::string_view domain, const sts::CachedPolicy& c, std::string* note) const {
  if (s_.cache_directory.empty()) return;
  const std::string key = lower(domain);
  {
    std::lock_guard lock(mu_);
    memory_.insert_or_assign(key, c);
  }
  if (auto st = cache_.store(key, c); !st) *note += "cache: " + st.error().message + "; ";
}

StsLookup StsPolicies::find(std::string_view domain, std::time_t now) const {
  StsLookup out;
  std::optional<sts::CachedPolicy> cached = remembered(domain, now, &out.note);
  auto take_cached = [&] {
    out.policy = cached->policy;
    out.id = cached->id;
    out.source = "cache";
  };
  auto use_cached = [&](std::string why) {
    out.note += std::move(why);
    if (cached && cached->policy.mode != sts::Mode::none) {
      take_cached();
      out.note += "; the cached policy stays in force";
    }
    return out;
  };

  const std::string txt_name = "_mta-sts." + lower(domain);
  dns::Answer a = dns_->lookup(txt_name, dns::Type::TXT);
  if (a.outcome == dns::Outcome::temporary) return use_cached(fmt::format("{} TXT: {}", txt_name, a.error));
  std::vector<std::string> txts;
  if (a.has_data()) {
    auto t = dns::txt_strings(a);
    if (t) txts = std::move(*t);
  }
  auto record = sts::select_record(txts);
  if (!record) return use_cached(fmt::format("{}: {}", txt_name, record.error().message));
  out.announced = true;
  if (cached && cached->id == record->id) {
    if (cached->policy.mode != sts::Mode::none) take_cached();
    else out.note += "policy mode none";
    return out;
  }
  auto text = fetch(domain);
  if (!text) {
    bool webpki = text.error().message.find("certificate not verified") != std::string::npos;
    out.failure = webpki ? tlsrpt::ResultType::sts_webpki_invalid : tlsrpt::ResultType::sts_policy_fetch_error;
    return use_cached("policy fetch failed: " + text.error().message);
  }
  auto policy = sts::parse_policy(*text);
  if (!policy) {
    out.failure = tlsrpt::ResultType::sts_policy_invalid;
    return use_cached("bad policy: " + policy.error().message);
  }
  remember(domain, sts::CachedPolicy{record->id, now, *policy}, &out.note);
  if (policy->mode == sts::Mode::none) {
    out.note += "policy mode none";
    return out;
  }
  out.policy = std::move(*policy);
  out.id = record->id;
  out.source = "fetched";
  return out;
}

}  // namespace tern::delivery::smtp
