// Queue listing and its two Postfix formats; see listing.hpp.
#include "queue/listing.hpp"

#include <dirent.h>
#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "base/file.hpp"
#include "base/queue_id.hpp"
#include "queue/control.hpp"

namespace tern::queue {

namespace {

// Length of the valid UTF-8 sequence at s[i], 0 when the bytes there are not one.
size_t utf8_length(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;  // overlong
  return n;
}

// Postfix's printable(text, '?'): controls and broken UTF-8 become '?'.
std::string printable_utf8(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = utf8_length(s, i);
    if (n == 0 || c < 0x20 || c == 0x7f) {
      out += '?';
      i += 1;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

// The sender or a recipient as showq sends it: <> is MAILER-DAEMON.
std::string shown_address(std::string_view a) {
  return a.empty() ? std::string("MAILER-DAEMON") : printable_utf8(a);
}

std::vector<std::string> sorted_ids(const std::string& dir) {
  std::vector<std::string> ids;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (is_valid_queue_id(e->d_name)) ids.emplace_back(e->d_name);
    ::closedir(d);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// asctime()'s first 19 characters: "Wed Jun 30 21:49:08".
std::string arrival_text(double arrival) {
  std::time_t t = std::time_t(arrival);
  std::tm tm{};
  ::localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S", &tm);
  return buf;
}

}  // namespace

ListedMessage listed_from(std::string id, std::string queue_name, const ParsedFile& pf) {
  const auto& e = pf.message.envelope;
  ListedMessage m{std::move(id), std::move(queue_name), (long long)pf.message.content.size(),
                  e.arrival, e.forced_expire, e.sender, {}};
  for (const auto& r : e.recipients)
    if (r.state == RcptState::pending || r.state == RcptState::deferred)
      m.recipients.push_back({r.address, r.state == RcptState::deferred ? r.reason : ""});
  // showq reports the recipients with a recorded reason first, then the others.
  std::stable_partition(m.recipients.begin(), m.recipients.end(),
                        [](const auto& r) { return !r.reason.empty(); });
  return m;
}

std::vector<ListedMessage> list_queue(const std::string& queue_directory) {
  std::vector<ListedMessage> out;
  for (const char* q : {kMaildrop, "incoming", "active", "deferred", "hold"}) {
    std::string dir = queue_directory + "/" + q;
    for (auto& id : sorted_ids(dir)) {
      auto text = read_file(dir + "/" + id);
      if (!text) continue;  // gone since readdir: delivered or moved
      auto pf = parse_queue_file(*text);
      if (pf.status != ParseStatus::ok) continue;
      out.push_back(listed_from(std::move(id), q, pf));
    }
  }
  return out;
}

std::string format_mailq(const std::vector<ListedMessage>& msgs) {
  if (msgs.empty()) return "Mail queue is empty\n";
  std::string out = fmt::format("{:<17} {:>8} {:<19} {}\n", "----Queue ID-----", "--Size--",
                                "---Arrival Time----", "--Sender/Recipient------");
  long long total = 0;
  for (size_t i = 0; i < msgs.size(); ++i) {
    const auto& m = msgs[i];
    if (i > 0) out += "\n";
    total += m.size;
    std::string id = m.id;
    if (m.queue_name == "active") id += '*';
    else if (m.queue_name == "hold") id += '!';
    if (m.forced_expire) id += '#';
    // Our IDs can fill all 17 columns; an undecorated one keeps a blank where the
    // marker goes so that the size never touches it (same output as Postfix's when
    // the ID is shorter).
    if (id == m.id) id += ' ';
    out += fmt::format("{:<17} {:>8} {:19.19} {}\n", id, m.size, arrival_text(m.arrival),
                       shown_address(m.sender));
    std::string saved;
    for (const auto& r : m.recipients) {
      if (r.reason != saved) {
        saved = r.reason;
        std::string shown = saved.empty() ? "reason unavailable" : printable_utf8(saved);
        int pad = std::max(0, 76 - int(shown.size()));
        out += fmt::format("{:{}}({})\n", "", pad, shown);
      }
      out += fmt::format("{:<17} {:>8} {:<19} {}\n", "", "", "", shown_address(r.address));
    }
  }
  out += fmt::format("\n-- {} Kbytes in {} Request{}.\n", total / 1024, msgs.size(),
                     msgs.size() == 1 ? "" : "s");
  return out;
}

std::string json_quote(std::string_view text) {
  std::string out;
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7f) out += fmt::format("\\u{:04X}", c);
        else out += ch;
    }
  }
  return printable_utf8(out);  // no controls are left: only broken UTF-8 changes
}

std::string format_json(const ListedMessage& m) {
  std::string out = fmt::format(
      "{{\"queue_name\": \"{}\", \"queue_id\": \"{}\", \"arrival_time\": {}, "
      "\"message_size\": {}, \"forced_expire\": {}, \"sender\": \"{}\", \"recipients\": [",
      json_quote(m.queue_name), json_quote(m.id), (long long)m.arrival, m.size,
      m.forced_expire ? "true" : "false", json_quote(shown_address(m.sender)));
  for (size_t i = 0; i < m.recipients.size(); ++i) {
    const auto& r = m.recipients[i];
    if (i > 0) out += ", ";
    out += "{\"address\": \"" + json_quote(shown_address(r.address)) + "\"";
    if (!r.reason.empty()) out += ", \"delay_reason\": \"" + json_quote(r.reason) + "\"";
    out += "}";
  }
  out += "]}\n";
  return out;
}

}  // namespace tern::queue
