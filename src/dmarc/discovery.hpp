// Where a domain's DMARC policy is published, and which Organizational Domain a name
// belongs to (for relaxed alignment). Two methods:
//  - rfc9989 (default): the DNS Tree Walk of RFC 9989 §4.10. From the name, query
//    _dmarc.<name>, then its parents one label at a time; a name of 8 or more labels
//    jumps to its last 7 labels after the first query, so a walk asks at most 8 times.
//    Policy discovery takes the first valid record. The Organizational Domain is where a
//    record says psd=n; the name one label below a record that says psd=y; else the
//    highest name with a record; else the name itself.
//  - psl (RFC 7489 §3.2, §6.6.3): the Organizational Domain is the registrable domain by
//    the Public Suffix List; the policy is the name's own record, else that domain's.
// A TXT answer with no or several v=DMARC1 records, or one that does not parse, counts as
// no record. A DNS failure on the way is a temperror: what lies above is unknown.
// Lookups are cached per Discoverer, so one message's walks never repeat a query.
#pragma once
#include <asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dmarc/public_suffix.hpp"
#include "dmarc/record.hpp"
#include "dns/resolver.hpp"

namespace tern::dmarc {

enum class Method { rfc9989, psl };

// One _dmarc.<domain> TXT lookup, judged.
struct Lookup {
  enum class Status { record, none, temperror } status = Status::none;
  std::optional<Record> record;
  std::string note;  // why there is no record ("2 DMARC records", a parse error, the DNS error)
};

struct PolicyFound {
  bool temperror = false;
  std::string error;           // temperror: the DNS failure
  std::string domain;          // where the record is; empty when none was found
  std::optional<Record> record;
};

struct OrgDomain {
  bool temperror = false;
  std::string error;
  std::string domain;  // lower case
};

// The names a tree walk from `domain` queries, in order (RFC 9989 §4.10 steps 4-8).
std::vector<std::string> walk_targets(std::string_view domain);

class Discoverer {
 public:
  // `psl` is required for Method::psl and must outlive the Discoverer.
  Discoverer(dns::Resolver& resolver, Method method, const PublicSuffixList* psl = nullptr)
      : resolver_(resolver), method_(method), psl_(psl) {}

  asio::awaitable<PolicyFound> policy(std::string author_domain);
  asio::awaitable<OrgDomain> organizational_domain(std::string domain);
  asio::awaitable<Lookup> lookup(std::string domain);  // cached

  // Every _dmarc name queried so far, in order (for `tern check dmarc` and tests).
  const std::vector<std::string>& queried() const { return queried_; }

 private:
  asio::awaitable<PolicyFound> walk_policy(const std::string& domain);
  asio::awaitable<OrgDomain> walk_org(const std::string& domain);
  std::string psl_org(const std::string& domain) const;

  dns::Resolver& resolver_;
  Method method_;
  const PublicSuffixList* psl_;
  std::map<std::string, Lookup> cache_;
  std::vector<std::string> queried_;
};

// Lower case, without a trailing dot.
std::string normalize_domain(std::string_view domain);
// "a.b.example.com" has 4 labels.
size_t label_count(std::string_view domain);
// The last `n` labels of `domain`.
std::string last_labels(std::string_view domain, size_t n);

}  // namespace tern::dmarc
