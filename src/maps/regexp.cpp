// regexp:/path — regexp_table(5): the shared rule syntax over POSIX regcomp(3). Flags
// toggle from Postfix's defaults: i (case-insensitive, on), x (extended syntax, on),
// m (REG_NEWLINE, off).
#include <regex.h>

#include "base/strings.hpp"
#include "maps/pattern_rules.hpp"
#include "maps/pattern_tables.hpp"

namespace tern::maps {

namespace {

class PosixMatcher : public Matcher {
 public:
  PosixMatcher() = default;
  PosixMatcher(const PosixMatcher&) = delete;
  PosixMatcher& operator=(const PosixMatcher&) = delete;
  ~PosixMatcher() override {
    if (compiled_) ::regfree(&re_);
  }

  Status compile(std::string_view body, int cflags) {
    std::string text(body);
    int rc = ::regcomp(&re_, text.c_str(), cflags);
    if (rc != 0) {
      char buf[256];
      ::regerror(rc, &re_, buf, sizeof buf);
      return Error{"bad regular expression \"" + printable(body, 80) + "\": " + buf};
    }
    compiled_ = true;
    nosub_ = (cflags & REG_NOSUB) != 0;
    return ok_status();
  }

  Result<bool> match(std::string_view key, std::vector<std::string>* groups) const override {
    std::string subject(key);  // regexec needs a terminated string
    if (!groups || nosub_) {
      int rc = ::regexec(&re_, subject.c_str(), 0, nullptr, 0);
      return exec_result(rc);
    }
    std::vector<regmatch_t> m(re_.re_nsub + 1);
    int rc = ::regexec(&re_, subject.c_str(), m.size(), m.data(), 0);
    auto r = exec_result(rc);
    if (!r || !*r) return r;
    groups->assign(re_.re_nsub, std::string());
    for (size_t g = 1; g < m.size(); ++g)
      if (m[g].rm_so >= 0) (*groups)[g - 1] = subject.substr(size_t(m[g].rm_so), size_t(m[g].rm_eo - m[g].rm_so));
    return true;
  }

  size_t group_count() const override { return re_.re_nsub; }

 private:
  Result<bool> exec_result(int rc) const {
    if (rc == 0) return true;
    if (rc == REG_NOMATCH) return false;
    char buf[256];
    ::regerror(rc, &re_, buf, sizeof buf);
    return Error{std::string("regexec: ") + buf};
  }

  regex_t re_{};
  bool compiled_ = false;
  bool nosub_ = false;
};

class RegexpSyntax : public RuleSyntax {
 public:
  Result<PatternText> scan(std::string_view& rest) const override { return scan_delimited(rest); }

  Result<std::unique_ptr<Matcher>> compile(const PatternText& p, bool needs_groups) const override {
    int cflags = REG_EXTENDED | REG_ICASE;
    for (char f : p.flags) {
      switch (f) {
        case 'i': cflags ^= REG_ICASE; break;
        case 'x': cflags ^= REG_EXTENDED; break;
        case 'm': cflags ^= REG_NEWLINE; break;
        default:
          return Error{"unknown regexp option \"" + printable(std::string_view(&f, 1)) + "\""};
      }
    }
    // Postfix's hint: without $N in the result nobody reads the groups.
    if (!needs_groups) cflags |= REG_NOSUB;
    auto m = std::make_unique<PosixMatcher>();
    auto st = m->compile(p.body, cflags);
    if (!st) return st.error();
    return std::unique_ptr<Matcher>(std::move(m));
  }

  bool substitutes() const override { return true; }
};

}  // namespace

Result<std::unique_ptr<Lookup>> parse_regexp_table(std::string spec, std::string_view text,
                                                   const std::string& file) {
  auto rules = parse_rules(text, file, RegexpSyntax{});
  if (!rules) return rules.error();
  return std::unique_ptr<Lookup>(new RuleTable(std::move(spec), std::move(*rules)));
}

Result<std::unique_ptr<Lookup>> open_regexp(std::string_view spec, std::string_view name,
                                            const OpenContext& ctx) {
  auto src = read_rule_source(spec, name, ctx);
  if (!src) return src.error();
  return parse_regexp_table(std::string(spec), src->text, src->file);
}

}  // namespace tern::maps
