// What an SMTP/LMTP server answers, as the client reads it: ServerReply (code, enhanced
// status, text lines) and ReplyParser, an incremental, I/O-free parser of the wire form
//   "250-mx.example.net\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n"
// It takes bytes, consumes whole lines, and says need_more until a final line ("250 …" or
// a bare "250") arrives. Bare LF line ends are accepted, as Postfix's client does.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tern::delivery::smtp {

struct ServerReply {
  int code = 0;
  std::string dsn;                 // enhanced status of the first line, "" when absent
  std::vector<std::string> lines;  // each line's text after "NNN-" / "NNN "

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // The enhanced status to record: the server's own when it gave one in the right class,
  // else the class default (2.0.0, 4.0.0, 5.0.0) as Postfix does.
  std::string status() const;
  // One line as Postfix quotes a reply in logs and bounces: "550 5.1.1 text more text"
  // (continuation lines joined with spaces, their repeated status code dropped).
  std::string text() const;
};

enum class ReplyError {
  none,           // a reply is complete: take() it
  need_more,      // feed more bytes
  bad_code,       // a line that does not start with a 3-digit code 2xx-5xx and ' ' or '-'
  mixed_codes,    // continuation lines with different codes
  line_too_long,  // a line longer than max_line
  too_many_lines, // more than max_lines lines in one reply
};
const char* describe(ReplyError e);

struct ParseStep {
  size_t consumed = 0;
  ReplyError error = ReplyError::need_more;
};

class ReplyParser {
 public:
  size_t max_line = 4096;
  size_t max_lines = 1000;

  // Consumes complete lines from `bytes` up to the end of one reply. After ReplyError::none
  // take() the reply; after any other error than need_more the parser must be reset().
  ParseStep feed(std::string_view bytes);
  ServerReply take();
  void reset() { *this = ReplyParser{max_line, max_lines}; }

  ReplyParser() = default;
  ReplyParser(size_t line, size_t lines) : max_line(line), max_lines(lines) {}

 private:
  ReplyError line(std::string_view l);
  ServerReply reply_;
  std::string partial_;  // a line without its end yet
  bool done_ = false;
};

}  // namespace tern::delivery::smtp
