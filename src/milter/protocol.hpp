// The Sendmail milter protocol (version 6) as bytes, with no I/O: packets are a 4-byte
// big-endian length, a command or reply byte, and the payload. This file encodes every
// command the MTA sends (OPTNEG through QUIT) and decodes every reply a milter may give,
// checking each field; a malformed reply is an Error (the caller treats the milter as
// failed, milter_default_action). The constants are libmilter's (mfdef.h), by name.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace tern::milter {

// SMFIC_*: what the MTA sends.
enum class Command : char {
  abort = 'A', body = 'B', connect = 'C', macro = 'D', body_eob = 'E', helo = 'H',
  quit_nc = 'K', header = 'L', mail = 'M', eoh = 'N', optneg = 'O', quit = 'Q',
  rcpt = 'R', data = 'T', unknown = 'U',
};

// SMFIR_*: what a milter answers.
enum class ReplyCode : char {
  add_rcpt = '+', del_rcpt = '-', add_rcpt_par = '2', shutdown = '4', accept = 'a',
  replace_body = 'b', continue_ = 'c', discard = 'd', change_from = 'e', conn_fail = 'f',
  add_header = 'h', insert_header = 'i', set_symlist = 'l', change_header = 'm',
  progress = 'p', quarantine = 'q', reject = 'r', skip = 's', tempfail = 't', reply_code = 'y',
};

// SMFIF_*: the modifications a milter asks to be allowed (OPTNEG actions).
namespace action {
constexpr uint32_t add_headers = 0x01, change_body = 0x02, add_rcpt = 0x04, del_rcpt = 0x08,
                   change_headers = 0x10, quarantine = 0x20, change_from = 0x40,
                   add_rcpt_par = 0x80, set_symlist = 0x100;
constexpr uint32_t all = 0x1FF;  // SMFI_CURR_ACTS
}  // namespace action

// SMFIP_*: the protocol steps a milter declines (NO*), answers without a reply (NR_*),
// and the features it uses (SKIP, HDR_LEADSPC).
namespace step {
constexpr uint32_t no_connect = 0x1, no_helo = 0x2, no_mail = 0x4, no_rcpt = 0x8, no_body = 0x10,
                   no_headers = 0x20, no_eoh = 0x40, nr_header = 0x80, no_unknown = 0x100,
                   no_data = 0x200, skip = 0x400, rcpt_rej = 0x800, nr_connect = 0x1000,
                   nr_helo = 0x2000, nr_mail = 0x4000, nr_rcpt = 0x8000, nr_data = 0x10000,
                   nr_unknown = 0x20000, nr_eoh = 0x40000, nr_body = 0x80000,
                   header_leading_space = 0x100000, mds_256k = 0x10000000, mds_1m = 0x20000000;
// What we offer: every step can be declined or left unanswered, SKIP and HDR_LEADSPC are
// understood; RCPT_REJ (sending rejected recipients too) and larger packets are not.
constexpr uint32_t offered = 0x1FFFFF & ~rcpt_rej;  // SMFI_CURR_PROT less RCPT_REJ
}  // namespace step

// SMFIM_*: the stages a SETSYMLIST / OPTNEG macro list applies to.
enum class MacroStage : uint32_t { connect = 0, helo = 1, mail = 2, rcpt = 3, data = 4, eom = 5, eoh = 6 };
constexpr size_t kMacroStages = 7;

constexpr size_t kBodyChunk = 65535;          // MILTER_CHUNK_SIZE
constexpr size_t kMaxReplyPacket = 1u << 20;  // what we read from a milter (REPLBODY chunks are small)

using Macros = std::vector<std::pair<std::string, std::string>>;

// ---- Encoding (MTA → milter) ----
std::string packet(Command c, std::string_view payload = {});
std::string encode_optneg(uint32_t version, uint32_t actions, uint32_t steps);
// SMFIC_MACRO for the command `for_command`: name\0value\0 pairs.
std::string encode_macros(Command for_command, const Macros& macros);
// SMFIC_CONNECT: hostname, family ('4', '6', 'L' or 'U'), port, address.
std::string encode_connect(std::string_view hostname, char family, uint16_t port, std::string_view address);
// HELO, UNKNOWN: one string; MAIL, RCPT: "<address>" then the ESMTP parameters.
std::string encode_strings(Command c, const std::vector<std::string>& strings);
std::string encode_header(std::string_view name, std::string_view value);

// ---- Decoding (milter → MTA) ----
struct Packet {
  char code = 0;
  std::string payload;
};

// Splits a byte stream into packets. next() gives a packet, nullopt for need-more, and
// sets error() for a length of 0 or above the limit (nothing after that is read).
class PacketReader {
 public:
  explicit PacketReader(size_t max_packet = kMaxReplyPacket) : max_(max_packet) {}
  void feed(std::string_view bytes) { buf_.append(bytes); }
  std::optional<Packet> next();
  const std::string& error() const { return error_; }

 private:
  std::string buf_;
  size_t pos_ = 0;
  size_t max_;
  std::string error_;
};

// The milter's OPTNEG answer: its version, the actions it wants, the steps it declines,
// and (v6) the macro lists it asks for per stage.
struct Negotiation {
  uint32_t version = 0;
  uint32_t actions = 0;
  uint32_t steps = 0;
  std::array<std::optional<std::vector<std::string>>, kMacroStages> macros;
};
Result<Negotiation> parse_optneg(std::string_view payload);

// One decoded reply. Which fields are used depends on `code`.
struct Reply {
  ReplyCode code = ReplyCode::continue_;
  std::string text;    // REPLYCODE's "550 5.7.1 ...", QUARANTINE's reason, the address
                       // of ADDRCPT/DELRCPT/CHGFROM, a REPLBODY chunk
  std::string args;    // ESMTP parameters of ADDRCPT_PAR and CHGFROM ("" when none)
  std::string name;    // header name (ADDHEADER, INSHEADER, CHGHEADER)
  std::string value;   // header value ("" in CHGHEADER deletes)
  uint32_t index = 0;  // INSHEADER position, CHGHEADER occurrence (1-based)
};
Result<Reply> parse_reply(const Packet& p);

// A REPLYCODE text checked: "4XX" or "5XX", then ' ' or '-' (multi-line, lines joined by
// CRLF, each starting with the same code). Returns the reply code.
Result<int> check_reply_code(std::string_view text);

// A macro name as Sendmail writes it: one character bare ("i"), longer ones in braces
// ("{daemon_name}"), whichever way it was given (main.cf lists lose their braces).
std::string macro_name(std::string_view name);

// The name a reply or command byte has in libmilter's documentation ("SMFIR_REJECT").
std::string reply_name(char code);

}  // namespace tern::milter
