// dmarc_eval: runs the DMARC evaluator on one scenario read as JSON from stdin — DNS
// records for an in-memory resolver, the message, the SPF and DKIM results — and prints
// the Authentication-Results field and the verdict as JSON. For the integration test that
// reads our field with an independent RFC 8601 parser (Python's authres); not installed.
//   {"authserv_id": "mx.test", "method": "rfc9989", "records": [["_dmarc.example.com", "TXT", "v=DMARC1; p=reject"]],
//    "fail": [["_dmarc.down.test", "TXT"]], "message": "From: a@example.com\n\n",
//    "spf": {"result": "pass", "domain": "example.com", "mailfrom": "a@example.com", "helo": false},
//    "dkim": [{"result": "pass", "domain": "example.com", "identity": "@example.com", "selector": "s"}]}
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "dmarc/auth_results.hpp"
#include "dmarc/disposition.hpp"
#include "dmarc/evaluate.hpp"
#include "dns/blocking.hpp"
#include "dns/memory_resolver.hpp"

using namespace tern;
using json = nlohmann::json;

namespace {

template <class E, size_t N>
E parse_enum(const std::string& name, const std::string_view (&names)[N]) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == name) return static_cast<E>(i);
  throw std::invalid_argument("unknown result \"" + name + "\"");
}

constexpr std::string_view kSpf[] = {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"};
constexpr std::string_view kDkim[] = {"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"};

int run(const json& spec) {
  dns::MemoryResolver resolver;
  for (const auto& rec : spec.value("records", json::array())) {
    auto st = resolver.add(rec.at(0).get<std::string>(), rec.at(1).get<std::string>(), rec.at(2).get<std::string>());
    if (!st) throw std::invalid_argument(st.error().message);
  }
  for (const auto& f : spec.value("fail", json::array()))
    resolver.fail(f.at(0).get<std::string>(), f.at(1).get<std::string>() == "TXT" ? dns::Type::TXT : dns::Type::A);
  std::string content = spec.at("message").get<std::string>();
  dmarc::Input in;
  in.content = content;
  const json& spf = spec.at("spf");
  in.spf = {parse_enum<dmarc::SpfResult>(spf.at("result"), kSpf), spf.value("domain", ""), spf.value("helo", false),
            spf.value("mailfrom", ""), spf.value("reason", "")};
  for (const auto& d : spec.value("dkim", json::array()))
    in.dkim.push_back({parse_enum<dmarc::DkimResult>(d.at("result"), kDkim), d.value("domain", ""),
                       d.value("identity", ""), d.value("selector", ""), d.value("reason", "")});
  in.exempt = spec.value("exempt", false);

  dmarc::Settings settings;
  settings.mode = dmarc::Mode::enforce;
  std::optional<dmarc::PublicSuffixList> psl;
  if (spec.value("method", "rfc9989") == "psl") {
    auto loaded = dmarc::PublicSuffixList::load(spec.value("psl", "/usr/share/publicsuffix/public_suffix_list.dat"));
    if (!loaded) throw std::invalid_argument(loaded.error().message);
    psl = std::move(*loaded);
    settings.method = dmarc::Method::psl;
  }
  dmarc::DiscoveryConfig discovery{settings.method, psl ? &*psl : nullptr};
  auto e = dns::run_blocking(resolver, [&](dns::Resolver& r) { return dmarc::evaluate(r, discovery, in); });
  auto d = dmarc::decide(e, settings);
  dmarc::AuthResults ar{spec.at("authserv_id").get<std::string>(), in.spf, in.dkim, e};
  const dmarc::Verdict* v = e.decisive();
  json out = {{"header", dmarc::build_auth_results(ar)},
              {"result", std::string(dmarc::outcome_name(e.result))},
              {"policy_domain", v ? v->policy_domain : ""},
              {"applied", v ? std::string(dmarc::policy_name(v->applied)) : ""},
              {"action", d.action == dmarc::Action::reject ? "reject"
                         : d.action == dmarc::Action::add_header ? "header"
                         : d.action == dmarc::Action::hold ? "hold" : "accept"},
              {"reply", d.reply},
              {"queries", resolver.queries()}};
  std::cout << out.dump() << "\n";
  return 0;
}

}  // namespace

int main() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  try {
    return run(json::parse(text));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dmarc_eval: %s\n", e.what());
    return 2;
  }
}
