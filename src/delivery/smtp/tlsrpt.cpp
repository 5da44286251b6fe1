// TLS-RPT classification and recording in the smtp client; see tlsrpt.hpp.
#include "delivery/smtp/tlsrpt.hpp"

#include <openssl/x509_vfy.h>

#include <ctime>

#include <fmt/format.h>

#include "base/strings.hpp"
#include "dns/rdata.hpp"
#include "tlsrpt/store.hpp"

namespace tern::delivery::smtp {

using tlsrpt::ResultType;

namespace {

// A PKIX peer check that failed: the chain, else the name.
ResultType pkix_failure(bool trusted, long verify_error) {
  if (trusted) return ResultType::certificate_host_mismatch;
  return verify_error == X509_V_ERR_CERT_HAS_EXPIRED ? ResultType::certificate_expired
                                                     : ResultType::certificate_not_trusted;
}

}  // namespace

ResultType classify(const TlsResult& r, const TlsPolicy& pol) {
  if (r.handshake_failed) return ResultType::validation_failure;
  if (pol.dane_verify()) return ResultType::validation_failure;  // no TLSA record matched the chain
  if (!r.trusted || !r.verified) return pkix_failure(r.trusted, r.verify_error);
  return ResultType::validation_failure;
}

std::optional<ResultType> testing_failure(const TlsNote& note, bool mx_allowed) {
  if (note.failure) return note.failure;
  if (!mx_allowed) return ResultType::validation_failure;
  if (!note.trusted || !note.verified) return pkix_failure(note.trusted, note.verify_error);
  return std::nullopt;
}

tlsrpt::Policy report_policy(const TlsPolicy& tls, const sts::Policy* sts, const std::string& mx_host) {
  tlsrpt::Policy p;
  if (tls.dane_verify()) {
    p.type = tlsrpt::PolicyType::tlsa;
    for (const auto& t : tls.tlsa)
      p.strings.push_back(fmt::format("{} {} {} {}", int(t.usage), int(t.selector), int(t.mtype), dns::to_hex(t.data)));
    p.mx_host.push_back(mx_host);
  } else if (sts) {
    p.type = tlsrpt::PolicyType::sts;
    const std::string text = sts::format_policy(*sts);  // the views below point into it
    for (auto line : split_any(text, "\r\n"))
      if (!trim(line).empty()) p.strings.emplace_back(trim(line));
    p.mx_host = sts->mx;
  }
  return p;
}

std::unique_ptr<TlsReporter> TlsReporter::make(const config::Params& p, const log::Logger& log) {
  if (!p.smtp_tlsrpt_enable) return nullptr;
  return std::unique_ptr<TlsReporter>(new TlsReporter(p.tlsrpt_database, p.smtp_tlsrpt_skip_reused_handshakes, log));
}

void TlsReporter::record(tlsrpt::Event e) const {
  e.day = tlsrpt::utc_day(std::time(nullptr));
  e.domain = lower(e.domain);
  if (auto s = tlsrpt::append(dir_, e); !s) log_.warning("tlsrpt_database: {}", s.error().message);
}

}  // namespace tern::delivery::smtp
