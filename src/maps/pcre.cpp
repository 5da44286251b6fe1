// pcre:/path — pcre_table(5): the shared rule syntax over PCRE2. Flags toggle from
// Postfix's defaults: i (CASELESS, on), s (DOTALL, on), m (MULTILINE), x (EXTENDED),
// A (ANCHORED), E (DOLLAR_ENDONLY), U (UNGREEDY), all off. X (PCRE's EXTRA) is accepted
// and changes nothing: PCRE2 always rejects a backslash before a letter with no meaning,
// and pcre_table(5) says the flag is not supported with PCRE2.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/strings.hpp"
#include "maps/pattern_rules.hpp"
#include "maps/pattern_tables.hpp"

namespace tern::maps {

namespace {

std::string pcre_message(int code) {
  PCRE2_UCHAR buf[256];
  if (pcre2_get_error_message(code, buf, sizeof buf) < 0) return "error " + std::to_string(code);
  return reinterpret_cast<const char*>(buf);
}

struct CodeFree {
  void operator()(pcre2_code* c) const { pcre2_code_free(c); }
};
struct MatchDataFree {
  void operator()(pcre2_match_data* m) const { pcre2_match_data_free(m); }
};

class PcreMatcher : public Matcher {
 public:
  explicit PcreMatcher(pcre2_code* code) : code_(code) {
    uint32_t n = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &n);
    groups_ = n;
  }

  Result<bool> match(std::string_view key, std::vector<std::string>* groups) const override {
    // Match data per call: find() may run on several threads at once.
    std::unique_ptr<pcre2_match_data, MatchDataFree> md(
        pcre2_match_data_create_from_pattern(code_.get(), nullptr));
    if (!md) return Error{"pcre2: out of memory"};
    int rc = pcre2_match(code_.get(), reinterpret_cast<PCRE2_SPTR>(key.data()), key.size(), 0, 0,
                         md.get(), nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) return false;
    if (rc < 0) return Error{"pcre2 matching error: " + pcre_message(rc)};
    if (groups) {
      groups->assign(groups_, std::string());
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md.get());
      for (size_t g = 1; g <= groups_ && g < size_t(rc); ++g)
        if (ov[2 * g] != PCRE2_UNSET) (*groups)[g - 1] = std::string(key.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]));
    }
    return true;
  }

  size_t group_count() const override { return groups_; }

 private:
  std::unique_ptr<pcre2_code, CodeFree> code_;
  size_t groups_ = 0;
};

Result<uint32_t> pcre_options(std::string_view flags) {
  uint32_t opts = PCRE2_CASELESS | PCRE2_DOTALL;
  for (char f : flags) {
    switch (f) {
      case 'i': opts ^= PCRE2_CASELESS; break;
      case 'm': opts ^= PCRE2_MULTILINE; break;
      case 's': opts ^= PCRE2_DOTALL; break;
      case 'x': opts ^= PCRE2_EXTENDED; break;
      case 'A': opts ^= PCRE2_ANCHORED; break;
      case 'E': opts ^= PCRE2_DOLLAR_ENDONLY; break;
      case 'U': opts ^= PCRE2_UNGREEDY; break;
      case 'X': break;
      default:
        return Error{"unknown regexp option \"" + printable(std::string_view(&f, 1)) + "\""};
    }
  }
  return opts;
}

class PcreSyntax : public RuleSyntax {
 public:
  Result<PatternText> scan(std::string_view& rest) const override { return scan_delimited(rest); }

  Result<std::unique_ptr<Matcher>> compile(const PatternText& p, bool) const override {
    auto opts = pcre_options(p.flags);
    if (!opts) return opts.error();
    int err = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.body.data()), p.body.size(),
                                     *opts, &err, &offset, nullptr);
    if (!code)
      return Error{"error in regex \"" + printable(p.body, 80) + "\" at offset " +
                   std::to_string(offset) + ": " + pcre_message(err)};
    return std::unique_ptr<Matcher>(new PcreMatcher(code));
  }

  bool substitutes() const override { return true; }
};

}  // namespace

Result<std::unique_ptr<Lookup>> parse_pcre_table(std::string spec, std::string_view text,
                                                 const std::string& file) {
  auto rules = parse_rules(text, file, PcreSyntax{});
  if (!rules) return rules.error();
  return std::unique_ptr<Lookup>(new RuleTable(std::move(spec), std::move(*rules)));
}

Result<std::unique_ptr<Matcher>> compile_pcre(std::string_view expression, std::string_view flags) {
  return PcreSyntax{}.compile(PatternText{expression, flags}, false);
}

Result<std::unique_ptr<Lookup>> open_pcre(std::string_view spec, std::string_view name,
                                          const OpenContext& ctx) {
  auto src = read_rule_source(spec, name, ctx);
  if (!src) return src.error();
  return parse_pcre_table(std::string(spec), src->text, src->file);
}

}  // namespace tern::maps
