// PLAIN and LOGIN state machines; see mechanism.hpp.
#include "sasl/mechanism.hpp"

#include <algorithm>
#include <cctype>

#include "sasl/base64.hpp"

namespace tern::sasl {

namespace {

constexpr std::string_view kUsernameChallenge = "VXNlcm5hbWU6";  // "Username:"
constexpr std::string_view kPasswordChallenge = "UGFzc3dvcmQ6";  // "Password:"

Step challenge(std::string_view text) {
  Step s;
  s.kind = Step::Kind::challenge;
  s.challenge = std::string(text);
  return s;
}

Step reply(ReplyKind kind, std::string_view detail = {}) {
  Step s;
  s.kind = Step::Kind::reply;
  s.reply = make_reply(kind, detail);
  return s;
}

Step credentials(Credentials c) {
  Step s;
  s.kind = Step::Kind::credentials;
  s.credentials = std::move(c);
  return s;
}

}  // namespace

Step Mechanism::fail(std::string_view reason) const { return reply(ReplyKind::failed, reason); }

Step Mechanism::decode(std::string_view text, std::string_view which) {
  if (text.size() > opts_.response_limit) return reply(ReplyKind::response_too_long);
  auto bytes = base64_decode(text);
  if (!bytes) return reply(ReplyKind::bad_base64, which);
  return data(std::move(*bytes));
}

Step Mechanism::start(std::optional<std::string_view> initial) {
  if (!initial) return begin();
  return decode(*initial, "initial response");
}

Step Mechanism::respond(std::string_view line) {
  // Postfix checks the length before looking for "*".
  if (line.size() > opts_.response_limit) return reply(ReplyKind::response_too_long);
  if (line == "*") return reply(ReplyKind::aborted);
  return decode(line, "continued response");
}

// ---- PLAIN (RFC 4616): [authzid] NUL authcid NUL passwd ----

Step PlainMechanism::begin() { return challenge(""); }

Step PlainMechanism::data(std::string msg) {
  if (done_) return fail("unexpected PLAIN response");
  done_ = true;
  size_t a = msg.find('\0');
  size_t b = a == std::string::npos ? a : msg.find('\0', a + 1);
  if (b == std::string::npos || msg.find('\0', b + 1) != std::string::npos)
    return fail("malformed PLAIN response");
  Credentials c{msg.substr(0, a), msg.substr(a + 1, b - a - 1), msg.substr(b + 1)};
  if (c.authcid.empty() || c.password.empty()) return fail("malformed PLAIN response");
  if (std::max({c.authzid.size(), c.authcid.size(), c.password.size()}) > opts_.max_field)
    return fail("PLAIN response field too long");
  if (!c.authzid.empty() && c.authzid != c.authcid && !opts_.allow_proxy)
    return fail("authorization identity not permitted");
  return credentials(std::move(c));
}

// ---- LOGIN: 334 Username: / 334 Password: ----

Step LoginMechanism::begin() { return challenge(kUsernameChallenge); }

Step LoginMechanism::data(std::string decoded) {
  if (decoded.size() > opts_.max_field) return fail("LOGIN response too long");
  if (decoded.find('\0') != std::string::npos) return fail("malformed LOGIN response");
  switch (phase_) {
    case Phase::username:
      if (decoded.empty()) return fail("empty LOGIN user name");
      user_ = std::move(decoded);
      phase_ = Phase::password;
      return challenge(kPasswordChallenge);
    case Phase::password:
      phase_ = Phase::done;
      return credentials(Credentials{"", std::move(user_), std::move(decoded)});
    case Phase::done: break;
  }
  return fail("unexpected LOGIN response");
}

// ---- registry ----

const std::vector<std::string>& implemented_mechanisms() {
  static const std::vector<std::string> names{"PLAIN", "LOGIN"};
  return names;
}

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, MechanismOptions opts) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "PLAIN") return std::make_unique<PlainMechanism>(opts);
  if (upper == "LOGIN") return std::make_unique<LoginMechanism>(opts);
  return nullptr;
}

}  // namespace tern::sasl
