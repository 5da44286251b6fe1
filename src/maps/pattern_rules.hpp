// The rule program behind pattern tables (regexp:, pcre:, cidr:): one parser for the
// file syntax they share — logical lines, comments, "[!]pattern result", "if [!]pattern"
// … "endif" (nestable), first match wins — and one evaluator. Each table type plugs in a
// RuleSyntax that reads its own pattern form (/regex/flags for regexp and pcre, a network
// for cidr) and compiles it with its own engine. Internal to maps/.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "maps/lookup.hpp"

namespace tern::maps {

// A compiled pattern. On a match `groups` (when not null) receives the text of groups
// 1..group_count() (empty for a group that did not take part). An error is a matching
// failure of the engine (a PCRE match limit): the lookup fails rather than skip a rule.
class Matcher {
 public:
  virtual ~Matcher() = default;
  virtual Result<bool> match(std::string_view key, std::vector<std::string>* groups) const = 0;
  virtual size_t group_count() const = 0;
};

// One pattern as written: the expression and its flags (cidr: the network, no flags).
struct PatternText {
  std::string_view body;
  std::string_view flags;
};

// What a table type adds to the shared parser. Errors carry no file:line; the parser
// adds it.
class RuleSyntax {
 public:
  virtual ~RuleSyntax() = default;
  // Reads one pattern at the start of `rest` (after any '!'), leaving `rest` just past it.
  virtual Result<PatternText> scan(std::string_view& rest) const = 0;
  // `needs_groups`: the rule's result uses $N, so the engine must capture.
  virtual Result<std::unique_ptr<Matcher>> compile(const PatternText& p,
                                                   bool needs_groups) const = 0;
  // regexp and pcre results take $1..$9 / ${n} / $(n) and $$; cidr results are literal.
  virtual bool substitutes() const = 0;
};

// The "/expression/flags" form of regexp and pcre: any delimiter that is not a letter,
// digit or whitespace; a backslash escapes the delimiter (and stays in the expression, as
// in Postfix); flags run to the next whitespace.
Result<PatternText> scan_delimited(std::string_view& rest);

// A piece of a result template: literal text, or a group number (>= 1).
struct ResultPiece {
  std::string text;
  size_t group = 0;
};

struct Rule {
  enum class Kind { match, if_, endif };
  Kind kind = Kind::match;
  int line = 0;
  bool negate = false;
  std::unique_ptr<Matcher> matcher;  // match and if_
  std::vector<ResultPiece> result;   // match
  size_t after_endif = 0;            // if_: index of the rule after its endif
};

// Parses a whole table source. Errors read "FILE:LINE: problem".
Result<std::vector<Rule>> parse_rules(std::string_view text, const std::string& file,
                                      const RuleSyntax& syntax);

// Postfix readllines(): logical lines (a line starting with whitespace continues the one
// before), blank and '#' lines skipped, trailing whitespace removed. Each keeps the number
// of its first physical line.
struct LogicalLine {
  int number = 0;
  std::string text;
};
Result<std::vector<LogicalLine>> logical_lines(std::string_view text, const std::string& file);

// Parses a result template ("550 Use ${1}@${2} instead"). Exposed for tests.
Result<std::vector<ResultPiece>> parse_result_template(std::string_view text);

// A table that evaluates a parsed rule list; keys are matched whole (fixed_keys false).
class RuleTable : public Lookup {
 public:
  RuleTable(std::string spec, std::vector<Rule> rules)
      : Lookup(std::move(spec)), rules_(std::move(rules)) {}
  Result<Found> find(std::string_view key) const override;
  bool fixed_keys() const override { return false; }

 private:
  std::vector<Rule> rules_;
};

// The source text of a pattern table: the file `name` (relative to ctx.config_dir), or,
// for "{ {rule-1}, {rule-2} }", the rules one per line as Postfix 3.7 inlines them, with
// `spec` standing in for the file name in messages.
struct RuleSource {
  std::string text;
  std::string file;
};
Result<RuleSource> read_rule_source(std::string_view spec, std::string_view name,
                                    const OpenContext& ctx);

}  // namespace tern::maps
