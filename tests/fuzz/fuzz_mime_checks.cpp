// The MIME walk and header/body checks over arbitrary content: the walk accounts for every
// byte (visited spans in order, only line ends between them); parse_content_type and
// parse_check_action never fail hard; content edits (one action from the first byte, on
// every header and body line) keep the bytes no action touched.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/strings.hpp"
#include "message/content_checks.hpp"
#include "message/mime_walk.hpp"

namespace {

using namespace tern;

class Checker : public mime::Visitor {
 public:
  explicit Checker(std::string_view c) : c_(c) {}
  bool header(mime::HeaderClass, std::string_view text, mime::Span where) override {
    visit(where);
    if (text.size() > 13 && iequals(text.substr(0, 13), "content-type:")) (void)mime::parse_content_type(text.substr(13));
    return true;
  }
  bool body_line(std::string_view, mime::Span where, size_t offset) override {
    visit(where);
    if (offset > where.begin) __builtin_trap();
    return true;
  }
  void finish() { gap(c_.size()); }

 private:
  void gap(size_t to) {
    for (size_t i = pos_; i < to; ++i)
      if (c_[i] != '\n' && c_[i] != '\r') __builtin_trap();
  }
  void visit(mime::Span s) {
    if (s.begin < pos_ || s.end <= s.begin || s.end > c_.size()) __builtin_trap();
    gap(s.begin);
    pos_ = s.end;
  }
  std::string_view c_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t nl = in.find('\n');
  (void)parse_check_action(in.substr(0, nl), true);
  (void)parse_check_action(in.substr(0, nl), false);

  mime::Limits limits;
  limits.nesting = 1 + data[0] % 8;
  Checker ck(in);
  mime::walk_mime(in, limits, ck);
  ck.finish();

  static const char* kActions[] = {"static:IGNORE", "static:{PREPEND X-F: 1}", "static:{REPLACE X-R: 2}",
                                   "static:HOLD", "static:{STRIP s}", "static:DUNNO"};
  ContentChecks checks;
  auto table = maps::MapList::open({kActions[(data[0] >> 3) % 6]}, {});
  if (!table) __builtin_trap();
  if (data[0] & 0x80) checks.body = std::move(*table);
  else checks.header = std::move(*table);
  checks.limits = limits;
  Message m;
  m.content = std::string(in);
  auto out = run_content_checks(m, checks);
  if (!out) __builtin_trap();
  if (m.content.size() > in.size() * 8 + 64) __builtin_trap();
  return 0;
}
