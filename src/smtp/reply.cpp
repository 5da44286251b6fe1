// SMTP reply formatting; see reply.hpp.
#include "smtp/reply.hpp"

namespace tern::smtp {

std::string Reply::enhanced() const {
  char cls = code >= 500 ? '5' : code >= 400 ? '4' : '2';
  std::string_view detail;
  switch (status) {
    case Status::none: return {};
    case Status::ok: detail = "0.0"; break;
    case Status::sender_ok: detail = "1.0"; break;
    case Status::recipient_ok: detail = "1.5"; break;
    case Status::bad_destination: detail = "1.1"; break;
    case Status::other_address: detail = "1.0"; break;
    case Status::bad_sender_syntax: detail = "1.7"; break;
    case Status::bad_rcpt_syntax: detail = "1.3"; break;
    case Status::not_authorized: detail = "7.1"; break;
    case Status::system_error: detail = "3.0"; break;
    case Status::too_big: detail = "3.4"; break;
    case Status::too_many_rcpts: detail = "5.3"; break;
    case Status::bad_command: detail = "5.2"; break;
    case Status::bad_sequence: detail = "5.1"; break;
    case Status::bad_syntax: detail = "5.4"; break;
    case Status::other_protocol: detail = "5.0"; break;
    case Status::timeout: detail = "4.2"; break;
    case Status::storage: detail = "3.1"; break;
    case Status::security: detail = "7.0"; break;
    case Status::utf8_required: detail = "6.7"; break;
    case Status::config_error: detail = "3.5"; break;
    case Status::bad_syntax_552: detail = "5.2"; break;
    case Status::spf_failed: detail = "7.23"; break;
    case Status::spf_error: detail = "7.24"; break;
  }
  std::string out(1, cls);
  out += '.';
  out += detail;
  return out;
}

std::string Reply::wire() const {
  std::string code_s = std::to_string(code);
  std::string ehc = enhanced();
  std::string out;
  size_t start = 0;
  for (;;) {
    size_t nl = text.find('\n', start);
    bool last = nl == std::string::npos;
    std::string_view line = std::string_view(text).substr(start, last ? std::string::npos : nl - start);
    out += code_s;
    out += last ? ' ' : '-';
    if (!ehc.empty()) {
      out += ehc;
      out += ' ';
    }
    out += line;
    out += "\r\n";
    if (last) break;
    start = nl + 1;
  }
  return out;
}

Reply ehlo_reply(std::string_view hostname, const std::vector<std::string>& keywords) {
  // EHLO lines carry no enhanced status code.
  Reply r{250, Status::none, std::string(hostname)};
  for (const auto& k : keywords) r.text += "\n" + k;
  return r;
}

}  // namespace tern::smtp
