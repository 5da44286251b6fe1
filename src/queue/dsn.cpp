// DSN construction; see dsn.hpp.
#include "queue/dsn.hpp"

#include <fmt/format.h>

#include <ctime>

#include "base/time.hpp"
#include "message/cleanup.hpp"

namespace tern::queue {

namespace {

const char* subject_of(DsnKind k) {
  switch (k) {
    case DsnKind::failure: return "Undelivered Mail Returned to Sender";
    case DsnKind::delay: return "Delayed Mail (still being retried)";
    case DsnKind::success: return "Successful Mail Delivery Report";
  }
  return "";
}

const char* action_of(DsnKind k) {
  switch (k) {
    case DsnKind::failure: return "failed";
    case DsnKind::delay: return "delayed";
    case DsnKind::success: return "delivered";
  }
  return "";
}

// Our own words for each kind of notice.
std::string explanation(DsnKind k, const std::string& host) {
  std::string intro = "This is the mail system at host " + host + ".\n\n";
  switch (k) {
    case DsnKind::failure:
      return intro +
             "Your message could not be delivered to one or more of its recipients.\n"
             "The reasons are listed below, and the message itself is attached.\n\n"
             "If you need help, write to the postmaster of this system and include\n"
             "this report.\n";
    case DsnKind::delay:
      return intro +
             "Your message has not been delivered yet to one or more of its recipients.\n"
             "This is only a warning: the mail system keeps trying, and you do not need\n"
             "to send the message again.\n";
    case DsnKind::success:
      return intro +
             "Your message was delivered to the recipients listed below, as you asked\n"
             "to be told.\n";
  }
  return intro;
}

std::string boundary_for(const DsnOptions& opt) {
  return fmt::format("{}.{}/{}", opt.queue_id, (long long)opt.now, opt.myhostname);
}

}  // namespace

std::string header_section(const std::string& content) {
  size_t end = for_each_header(content, [](std::string_view, std::string_view) {});
  std::string h = content.substr(0, end);
  if (h.empty() || h.back() != '\n') h += '\n';
  return h;
}

Message make_dsn(DsnKind kind, const Message& original, const std::vector<DsnRecipient>& rcpts,
                 const DsnOptions& opt) {
  const Envelope& oe = original.envelope;
  Message m;
  m.envelope.queue_id = opt.queue_id;
  m.envelope.sender = "";
  m.envelope.recipients.push_back(Recipient{opt.to});
  m.envelope.arrival = opt.now;
  m.envelope.client.protocol = "LOCAL";
  m.envelope.client.name = "localhost";
  m.envelope.client.addr = "127.0.0.1";
  std::string b = boundary_for(opt);
  std::time_t now = std::time_t(opt.now);
  std::string& c = m.content;
  c += fmt::format("From: MAILER-DAEMON@{} (Mail Delivery System)\n", opt.myhostname);
  c += fmt::format("Subject: {}\n", subject_of(kind));
  c += fmt::format("To: {}\n", opt.to);
  c += "Auto-Submitted: auto-replied\n";
  c += "MIME-Version: 1.0\n";
  c += fmt::format("Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{}\"\n", b);
  c += "Content-Transfer-Encoding: 8bit\n";
  c += fmt::format("Message-Id: <{}.{}@{}>\n", (long long)opt.now, opt.queue_id, opt.myhostname);
  c += fmt::format("Date: {}\n\n", rfc5322_date(now));
  c += "This is a MIME-encapsulated message.\n\n";
  // Part 1: for people.
  c += fmt::format("--{}\nContent-Description: Notification\nContent-Type: text/plain; charset=us-ascii\n\n", b);
  c += explanation(kind, opt.myhostname);
  c += "\n";
  for (const auto& r : rcpts)
    c += fmt::format("<{}>: {}\n", r.final_recipient, r.reason.empty() ? r.diagnostic : r.reason);
  c += "\n";
  // Part 2: for programs (RFC 3464 §2.2 and §2.3).
  c += fmt::format("--{}\nContent-Description: Delivery report\nContent-Type: message/delivery-status\n\n", b);
  c += fmt::format("Reporting-MTA: dns; {}\n", opt.myhostname);
  if (!oe.envid.empty()) c += fmt::format("Original-Envelope-Id: {}\n", oe.envid);
  c += fmt::format("X-Tern-Queue-ID: {}\n", oe.queue_id);
  c += fmt::format("X-Tern-Sender: rfc822; {}\n", oe.sender);
  c += fmt::format("Arrival-Date: {}\n", rfc5322_date(std::time_t(oe.arrival)));
  for (const auto& r : rcpts) {
    c += "\n";
    if (!r.original_recipient.empty()) c += fmt::format("Original-Recipient: {}\n", r.original_recipient);
    c += fmt::format("Final-Recipient: rfc822; {}\n", r.final_recipient);
    c += fmt::format("Action: {}\n", action_of(kind));
    c += fmt::format("Status: {}\n", r.status);
    if (!r.remote_mta.empty()) c += fmt::format("Remote-MTA: {}\n", r.remote_mta);
    if (!r.diagnostic.empty()) c += fmt::format("Diagnostic-Code: {}\n", r.diagnostic);
    if (kind == DsnKind::delay) c += fmt::format("Last-Attempt-Date: {}\n", rfc5322_date(now));
  }
  c += "\n";
  // Part 3: the message, or its headers.
  bool hdrs = opt.headers_only || kind != DsnKind::failure;
  c += fmt::format("--{}\nContent-Description: {}\nContent-Type: {}\n", b,
                   hdrs ? "Undelivered Message Headers" : "Undelivered Message",
                   hdrs ? "text/rfc822-headers" : "message/rfc822");
  c += "Content-Transfer-Encoding: 8bit\n\n";
  c += hdrs ? header_section(original.content) : original.content;
  if (!c.empty() && c.back() != '\n') c += '\n';
  c += fmt::format("\n--{}--\n", b);
  return m;
}

}  // namespace tern::queue
