// The two third-party SPF suites, every case: the openspf RFC 7208 suite
// (tests/data/spf-rfc7208) and mail-auth's SPF suite (tests/data/mail-auth-spf), read
// from the JSON their convert.py scripts make from the unchanged YAML. Each scenario's
// zone goes into a dns::MemoryResolver; each case's result must be one of the listed ones
// and its explanation, where one is given, must be exactly that text. The driver
// conventions each suite assumes are in the NOTES.md next to its data.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "dns/memory_resolver.hpp"
#include "dns/rdata.hpp"
#include "spf/check.hpp"

namespace tern::spf {
namespace {

using nlohmann::json;

// JSON strings carry the YAML's bytes 0x80-0xff as U+0080-U+00FF: back to single bytes.
std::string bytes(const std::string& utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out += char(c);
    } else {
      EXPECT_TRUE((c & 0xe0) == 0xc0 && i + 1 < utf8.size()) << "code point above U+00FF in " << utf8;
      out += char(((c & 0x1f) << 6) | (static_cast<unsigned char>(utf8[++i]) & 0x3f));
    }
  }
  return out;
}

std::vector<std::string> strings(const json& v) {
  std::vector<std::string> out;
  for (const auto& s : v) out.push_back(bytes(s.get<std::string>()));
  return out;
}

// The scenario's zone, plus names that time out by the suite's naming rule.
class SuiteResolver : public dns::Resolver {
 public:
  SuiteResolver(const json& suite) {
    for (const auto& p : suite["timeout_prefixes"]) prefixes_.push_back(p.get<std::string>());
    for (const auto& s : suite["timeout_substrings"]) substrings_.push_back(s.get<std::string>());
  }
  dns::MemoryResolver zone;

  dns::Answer lookup(std::string_view name, dns::Type type) override {
    for (const auto& p : prefixes_)
      if (name.substr(0, p.size()) == p) return timeout(name);
    for (const auto& s : substrings_)
      if (name.find(s) != std::string_view::npos) return timeout(name);
    return zone.lookup(name, type);
  }
  void start(std::string_view name, dns::Type type, Done done) override {
    pending_.push_back([this, n = std::string(name), type, done = std::move(done)] { done(lookup(n, type)); });
  }

 private:
  static dns::Answer timeout(std::string_view name) {
    dns::Answer a;
    a.outcome = dns::Outcome::temporary;
    a.error = "timeout for " + std::string(name) + " (suite rule)";
    return a;
  }
  std::vector<std::string> prefixes_, substrings_;
  std::vector<std::function<void()>> pending_;
};

dns::Type rr_type(const std::string& t) {
  static const std::map<std::string, dns::Type> kTypes = {
      {"A", dns::Type::A},     {"AAAA", dns::Type::AAAA}, {"MX", dns::Type::MX},
      {"PTR", dns::Type::PTR}, {"TXT", dns::Type::TXT},   {"CNAME", dns::Type::CNAME}};
  auto it = kTypes.find(t);
  if (it == kTypes.end()) throw std::runtime_error("record type " + t + " in the suite");
  return it->second;
}

// Loads a zone. openspf conventions: an SPF (type 99) entry is served as TXT where the
// name lists no TXT entry (TXT_NONE counts as one), and TIMEOUT makes every type not
// listed before it at that name time out.
void load_zone(const json& zone, bool openspf, SuiteResolver& r) {
  std::set<std::string> has_txt;
  for (const auto& e : zone)
    if (e[1] == "TXT" || e[1] == "TXT_NONE") has_txt.insert(bytes(e[0]));
  std::map<std::string, std::set<dns::Type>> seen;
  for (const auto& e : zone) {
    std::string name = bytes(e[0]), type = e[1];
    if (type == "TIMEOUT") {
      for (dns::Type t : {dns::Type::A, dns::Type::AAAA, dns::Type::MX, dns::Type::PTR, dns::Type::TXT, dns::Type::CNAME})
        if (!seen[name].count(t)) r.zone.fail(name, t);
      continue;
    }
    if (type == "TXT_NONE" || type == "SPF_NONE") continue;  // no record (and no SPF-as-TXT)
    if (type == "SPF") {
      ASSERT_TRUE(openspf) << "SPF entry outside the openspf suite";
      if (has_txt.count(name)) continue;
      type = "TXT";
    }
    dns::Type t = rr_type(type);
    seen[name].insert(t);
    if (t == dns::Type::TXT) {
      auto rdata = dns::encode_txt(strings(e[2]));
      ASSERT_TRUE(rdata.ok()) << name;
      r.zone.add_rdata(name, t, *rdata);
    } else if (t == dns::Type::MX) {
      auto rdata = dns::encode_mx(e[2][0].get<uint16_t>(), e[2][1].get<std::string>());
      ASSERT_TRUE(rdata.ok()) << name << ": " << rdata.error().message;
      r.zone.add_rdata(name, t, *rdata);
    } else {
      auto st = r.zone.add(name, type, bytes(e[2]));
      ASSERT_TRUE(st.ok()) << name << " " << type << ": " << st.error().message;
    }
  }
}

Query make_query(const json& suite, const IpAddress& ip, Identity id, const std::string& mailfrom,
                 const std::string& helo) {
  Query q = id == Identity::helo ? helo_query(ip, helo) : mail_from_query(ip, mailfrom, helo);
  q.receiver = suite["receiver"].get<std::string>();
  q.timestamp = 1700000000;
  if (suite.contains("void_lookup_limit")) q.limits.void_lookups = suite["void_lookup_limit"].get<int>();
  if (!suite["default_explanation"].is_null()) {
    auto m = parse_macro_string(suite["default_explanation"].get<std::string>(), MacroUse::explanation);
    EXPECT_TRUE(m.ok());
    if (m) q.default_explanation = *m;
  }
  return q;
}

json read_json(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  return json::parse(in);
}

// Runs every case of a suite; returns how many ran. `differences` lists cases whose
// upstream expectation contradicts RFC 7208: those must give the RFC's result instead.
size_t run_suite(const std::string& path, const json& differences = json::object()) {
  json suite = read_json(path);
  std::map<std::string, json> differs;
  for (const auto& d : differences.value("cases", json::array())) differs[d["case"]] = d;
  bool openspf = suite["conventions"] == "openspf";
  bool helo_first = suite["identities"] == "helo_then_mailfrom";
  size_t ran = 0;
  for (const auto& sc : suite["scenarios"]) {
    SuiteResolver r(suite);
    load_zone(sc["zone"], openspf, r);
    for (const auto& t : sc["tests"]) {
      std::string label = sc["description"].get<std::string>() + " / " + t["name"].get<std::string>();
      auto ip = IpAddress::parse(t["host"].get<std::string>());
      EXPECT_TRUE(ip.has_value()) << label << ": bad host";
      if (!ip) continue;
      std::string helo = bytes(t["helo"]), mailfrom = bytes(t["mailfrom"]);
      Outcome o;
      if (helo_first) {
        o = check_host_blocking(r, make_query(suite, *ip, Identity::helo, mailfrom, helo));
        if (o.verdict != Verdict::fail) {
          o = check_host_blocking(r, make_query(suite, *ip, Identity::mailfrom, mailfrom, helo));
        }
      } else {
        o = check_host_blocking(r, make_query(suite, *ip, Identity::mailfrom, mailfrom, helo));
      }
      std::vector<std::string> allowed = t["results"];
      if (auto it = differs.find(t["name"].get<std::string>()); it != differs.end()) {
        EXPECT_EQ(allowed, std::vector<std::string>{it->second["upstream"]}) << label << ": upstream changed";
        allowed = {it->second["rfc7208"]};
        differs.erase(it);
      }
      std::string got(verdict_name(o.verdict));
      EXPECT_NE(std::find(allowed.begin(), allowed.end(), got), allowed.end())
          << label << ": got " << got << " (" << o.problem << ") mechanism=" << o.mechanism
          << ", expected " << nlohmann::json(allowed).dump();
      if (t.contains("explanation")) {
        EXPECT_EQ(o.explanation, t["explanation"].get<std::string>()) << label;
      }
      ++ran;
    }
  }
  for (const auto& [name, d] : differs) ADD_FAILURE() << "listed difference " << name << " is not in the suite";
  return ran;
}

TEST(SpfSuite, Rfc7208EveryCase) {
  EXPECT_EQ(run_suite(TERN_SOURCE_DIR "/tests/data/spf-rfc7208/rfc7208-tests.json"), 203u);
}

TEST(SpfSuite, MailAuthEveryCase) {
  EXPECT_EQ(run_suite(TERN_SOURCE_DIR "/tests/data/mail-auth-spf/mail-auth-spf.json",
                      read_json(TERN_SOURCE_DIR "/tests/data/mail-auth-spf/rfc7208-differences.json")),
            163u);
}

}  // namespace
}  // namespace tern::spf
