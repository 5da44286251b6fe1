// Cleanup; see cleanup.hpp.
#include "message/cleanup.hpp"

#include <ctime>

#include "base/strings.hpp"
#include "base/time.hpp"

namespace tern {

CleanupResult cleanup(Message& m, const CleanupOptions& opt) {
  CleanupResult r;
  bool has_date = false, has_msgid = false;
  size_t end = for_each_header(m.content, [&](std::string_view name, std::string_view value) {
    if (iequals(name, "Message-ID") && !has_msgid) {
      has_msgid = true;
      r.message_id = std::string(trim(value));
    } else if (iequals(name, "Date")) {
      has_date = true;
    }
  });
  if (!opt.add_missing_headers) return r;
  std::string add;
  std::time_t t = std::time_t(m.envelope.arrival);
  if (!has_msgid) {
    char stamp[32];
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
    r.message_id = "<" + std::string(stamp) + "." + m.envelope.queue_id + "@" + opt.myhostname + ">";
    add += "Message-Id: " + r.message_id + "\n";
  }
  if (!has_date) add += "Date: " + rfc5322_date(t) + "\n";
  if (!add.empty()) m.content.insert(end, add);
  return r;
}

}  // namespace tern
