// cidr:/path — cidr_table(5): the shared rule syntax with networks for patterns
// ("192.0.2.0/24", "2001:db8::/32", a bare address, optionally in "[]") and literal
// results. A key that is not an IP address is not found, before any rule (even a
// "!pattern" one) is tried, as in Postfix.
#include "base/net.hpp"
#include "base/strings.hpp"
#include "maps/pattern_rules.hpp"
#include "maps/pattern_tables.hpp"

namespace tern::maps {

namespace {

class CidrMatcher : public Matcher {
 public:
  explicit CidrMatcher(Cidr net) : net_(net) {}
  Result<bool> match(std::string_view key, std::vector<std::string>*) const override {
    auto ip = IpAddress::parse(trim(key));
    return ip && net_.contains(*ip);
  }
  size_t group_count() const override { return 0; }

 private:
  Cidr net_;
};

class CidrTable : public RuleTable {
 public:
  using RuleTable::RuleTable;
  Result<Found> find(std::string_view key) const override {
    if (!IpAddress::parse(trim(key))) return Found();
    return RuleTable::find(key);
  }
};

class CidrSyntax : public RuleSyntax {
 public:
  Result<PatternText> scan(std::string_view& rest) const override {
    size_t end = 0;
    while (end < rest.size() && rest[end] != ' ' && rest[end] != '\t') ++end;
    if (end == 0) return Error{"missing network pattern"};
    PatternText p{rest.substr(0, end), {}};
    rest.remove_prefix(end);
    return p;
  }

  Result<std::unique_ptr<Matcher>> compile(const PatternText& p, bool) const override {
    auto net = Cidr::parse(p.body);
    if (!net) return net.error();
    return std::unique_ptr<Matcher>(new CidrMatcher(*net));
  }

  bool substitutes() const override { return false; }
};

}  // namespace

Result<std::unique_ptr<Lookup>> parse_cidr_table(std::string spec, std::string_view text,
                                                 const std::string& file) {
  auto rules = parse_rules(text, file, CidrSyntax{});
  if (!rules) return rules.error();
  return std::unique_ptr<Lookup>(new CidrTable(std::move(spec), std::move(*rules)));
}

Result<std::unique_ptr<Lookup>> open_cidr(std::string_view spec, std::string_view name,
                                          const OpenContext& ctx) {
  auto src = read_rule_source(spec, name, ctx);
  if (!src) return src.error();
  return parse_cidr_table(std::string(spec), src->text, src->file);
}

}  // namespace tern::maps
