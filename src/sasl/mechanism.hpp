// The SASL mechanisms Tern's server speaks, as I/O-free state machines (no sockets, no
// back end): PLAIN (RFC 4616) and LOGIN (draft-murchison-sasl-login). A mechanism turns
// the client's base64 lines into Credentials; checking them is the Backend's job.
//
// Driving one (the session's side):
//   auto m = make_mechanism("PLAIN", opts);           // nullptr: not one of ours
//   Step s = m->start(initial_response);              // from parse_auth_command
//   while (s.kind == Step::Kind::challenge) {
//     send(make_reply(ReplyKind::challenge, s.challenge));   // "334 …"
//     s = m->respond(read_line());                    // the line without CRLF
//   }
//   if (s.kind == Step::Kind::reply) send(s.reply);   // 501/535/500: exchange over
//   else verify s.credentials with the Backend        // Step::Kind::credentials
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sasl/reply.hpp"

namespace tern::sasl {

struct Credentials {
  std::string authzid;   // requested authorization identity; "" = act as authcid
  std::string authcid;   // the login name
  std::string password;
};

struct Step {
  enum class Kind {
    challenge,    // send "334 " + challenge, then pass the client's next line to respond()
    credentials,  // the exchange is complete: verify `credentials`
    reply,        // the exchange failed here: send `reply`, AUTH is over
  };
  Kind kind = Kind::reply;
  std::string challenge;    // base64, possibly empty
  Credentials credentials;
  Reply reply;
};

struct MechanismOptions {
  // Longest client line (base64 text) accepted: smtpd_sasl_response_limit.
  size_t response_limit = 12288;
  // Longest decoded authzid / authcid / password.
  size_t max_field = 1024;
  // Whether an authzid different from the authcid may be passed on (Dovecot master
  // users); when false such a PLAIN response is refused here.
  bool allow_proxy = false;
};

class Mechanism {
 public:
  virtual ~Mechanism() = default;
  // Upper-case name as advertised ("PLAIN").
  virtual std::string_view name() const = 0;

  // Begins the exchange. `initial` is the AUTH command's initial response as sent
  // (still base64; "" when the client sent "="); nullopt when there was none.
  Step start(std::optional<std::string_view> initial);
  // One client line during the exchange (without CRLF): "*" cancels, otherwise base64.
  Step respond(std::string_view line);

 protected:
  explicit Mechanism(MechanismOptions o) : opts_(o) {}
  // The first step without an initial response.
  virtual Step begin() = 0;
  // One decoded client response.
  virtual Step data(std::string decoded) = 0;
  Step fail(std::string_view reason) const;
  const MechanismOptions opts_;

 private:
  Step decode(std::string_view text, std::string_view which);
};

class PlainMechanism final : public Mechanism {
 public:
  explicit PlainMechanism(MechanismOptions o = {}) : Mechanism(o) {}
  std::string_view name() const override { return "PLAIN"; }

 private:
  Step begin() override;
  Step data(std::string decoded) override;
  bool done_ = false;
};

class LoginMechanism final : public Mechanism {
 public:
  explicit LoginMechanism(MechanismOptions o = {}) : Mechanism(o) {}
  std::string_view name() const override { return "LOGIN"; }

 private:
  Step begin() override;
  Step data(std::string decoded) override;
  enum class Phase { username, password, done } phase_ = Phase::username;
  std::string user_;
};

// The mechanisms implemented here, upper case, in advertising order.
const std::vector<std::string>& implemented_mechanisms();
// A fresh mechanism for `name` (case-insensitive), nullptr when not implemented.
std::unique_ptr<Mechanism> make_mechanism(std::string_view name, MechanismOptions opts = {});

}  // namespace tern::sasl
