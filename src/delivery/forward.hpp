// Delivery targets as aliases(5) values, .forward files and :include: files write them:
// a comma (or line) separated list whose items are addresses, "\user" (the user's own
// mailbox, no further aliasing), |command, /file/name (Maildir when it ends in /) and
// :include:/file/name. Double quotes protect commas and spaces ("|cmd a, b").
//
// Files: '#' starts a comment line, a line starting with white space continues the one
// before (as Postfix's readlline). Parsing is pure and bounded (TargetLimits); a file is
// read whole (it is small, and a half-read target list must not be acted on), so this
// parser takes complete text rather than being incremental.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tern::delivery {

enum class TargetKind { address, command, file, include };

struct Target {
  TargetKind kind = TargetKind::address;
  std::string value;       // the address, the command (after '|'), the path, the include path
  bool backslash = false;  // "\user": deliver to that user's mailbox, skip aliases and .forward
  bool operator==(const Target&) const = default;
};

// Where a target list came from; allow_mail_to_commands / allow_mail_to_files name these.
enum class TargetSource { alias, forward, include };
const char* source_name(TargetSource s);

struct TargetLimits {
  size_t max_bytes = 1 << 20;   // of one file
  size_t max_targets = 1000;
  size_t max_item = 4096;       // one item's length
};

enum class TargetError { none, too_big, too_many, item_too_long, unbalanced_quote, nul_byte, bad_include };

struct ParsedTargets {
  std::vector<Target> targets;
  TargetError error = TargetError::none;
  size_t line = 0;  // 1-based line of the error (files)
  std::string message() const;  // "" when no error
};

// A whole .forward or :include: file.
ParsedTargets parse_target_file(std::string_view text, const TargetLimits& lim = {});
// One alias value (the table has joined its continuation lines already).
ParsedTargets parse_target_list(std::string_view value, const TargetLimits& lim = {});
// One item, already unquoted and trimmed, by its first character.
Target classify_target(std::string_view item);

}  // namespace tern::delivery
