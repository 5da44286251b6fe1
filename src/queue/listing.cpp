// Queue listing; see listing.hpp.
#include "queue/listing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace tern::queue {

std::vector<ListedMessage> list_queue(Store& store) {
  std::vector<ListedMessage> out;
  for (QueueName q : {QueueName::incoming, QueueName::active, QueueName::deferred, QueueName::hold}) {
    for (const auto& ref : store.list(q)) {
      auto pf = store.load(ref.id, q);
      if (pf.status != ParseStatus::ok) continue;  // being written, or corrupt
      const auto& e = pf.message.envelope;
      ListedMessage m{ref.id, q, ref.size, e.arrival, e.sender, {}};
      for (const auto& r : e.recipients)
        if (r.state == RcptState::pending || r.state == RcptState::deferred)
          m.recipients.push_back({r.address, r.reason});
      out.push_back(std::move(m));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::string format_mailq(const std::vector<ListedMessage>& msgs) {
  if (msgs.empty()) return "Mail queue is empty\n";
  std::string out;
  long long total = 0;
  for (const auto& m : msgs) {
    out += out.empty() ? "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n" : "\n";
    total += m.size;
    char mark = m.queue == QueueName::active ? '*' : m.queue == QueueName::hold ? '!' : ' ';
    std::time_t t = std::time_t(m.arrival);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    char when[64];
    std::strftime(when, sizeof when, "%a %b %e %H:%M:%S", &tm);
    out += fmt::format("{:<10}{}{:>8} {:<20.20} {}\n", m.id, mark, m.size, when,
                       m.sender.empty() ? "MAILER-DAEMON" : m.sender);
    std::string last_reason;
    for (const auto& r : m.recipients) {
      if (!r.reason.empty() && r.reason != last_reason)
        out += fmt::format("{:16}({})\n", "", r.reason);
      last_reason = r.reason;
      out += fmt::format("{:41}{}\n", "", r.address);
    }
  }
  out += fmt::format("\n-- {} Kbytes in {} Request{}.\n", total / 1024, msgs.size(), msgs.size() == 1 ? "" : "s");
  return out;
}

}  // namespace tern::queue
