// ub_result -> Answer; see unbound_answer.hpp.
#include "dns/unbound_answer.hpp"

#include <fmt/format.h>
#include <unbound.h>

#include "base/strings.hpp"

namespace tern::dns {

namespace {

std::string plain_name(std::string_view n) {
  if (!n.empty() && n.back() == '.') n.remove_suffix(1);
  return lower(n);
}

}  // namespace

std::string_view rcode_name(int rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "RCODE";
  }
}

Answer answer_from_unbound(int err, const ub_result* r) {
  Answer a;
  if (err != 0 || r == nullptr) {
    a.error = fmt::format("resolver error: {}", err != 0 ? ub_strerror(err) : "no result");
    return a;
  }
  if (r->bogus) {
    // RFC 4035 §5.5: data that fails validation is not used; the caller retries later.
    a.security = Security::bogus;
    a.error = fmt::format("DNSSEC validation failed: {}", r->why_bogus ? r->why_bogus : "bogus answer");
    return a;
  }
  a.security = r->secure ? Security::secure : Security::insecure;
  if (r->rcode == 3) {
    a.outcome = Outcome::nxdomain;
  } else if (r->rcode != 0) {
    std::string_view name = rcode_name(r->rcode);
    a.error = name == "RCODE" ? fmt::format("RCODE {} from the DNS server", r->rcode)
                              : fmt::format("{} from the DNS server", name);
    return a;
  } else {
    a.outcome = r->havedata ? Outcome::data : Outcome::nodata;
  }
  if (a.outcome == Outcome::data) {
    a.ttl = r->ttl > 0 ? static_cast<uint32_t>(r->ttl) : 0;
    for (size_t i = 0; r->data && r->data[i]; ++i)
      a.rdata.emplace_back(r->data[i], static_cast<size_t>(r->len[i]));
  }
  if (r->canonname && r->qname) {
    std::string canon = plain_name(r->canonname);
    if (canon != plain_name(r->qname)) a.canonical = std::move(canon);
  }
  return a;
}

}  // namespace tern::dns
