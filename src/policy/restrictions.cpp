// Restriction lists; see restrictions.hpp.
#include "policy/restrictions.hpp"

namespace tern::policy {

namespace {
struct WordName {
  std::string_view name;
  Word word;
};
constexpr WordName kWords[] = {
    {"permit", Word::permit},
    {"reject", Word::reject},
    {"defer", Word::defer},
    {"permit_mynetworks", Word::permit_mynetworks},
    {"permit_sasl_authenticated", Word::permit_sasl_authenticated},
    {"reject_unauth_destination", Word::reject_unauth_destination},
    {"defer_unauth_destination", Word::defer_unauth_destination},
    {"permit_auth_destination", Word::permit_auth_destination},
};

// "<x@y>: Recipient address rejected: " and friends, as Postfix words them.
std::string subject(const Facts& f) {
  switch (f.stage) {
    case Stage::client: return "<" + f.client + ">: Client host rejected: ";
    case Stage::helo: return "<" + f.helo + ">: Helo command rejected: ";
    case Stage::sender: return "<" + f.sender + ">: Sender address rejected: ";
    case Stage::recipient: return "<" + f.recipient + ">: Recipient address rejected: ";
  }
  return "";
}

Decision reject_with(int code, std::string text) {
  return {Verdict::reject, smtp::Reply{code, smtp::Status::not_authorized, std::move(text)}};
}
}  // namespace

Result<RestrictionList> compile(std::string_view param, const std::vector<std::string>& words) {
  RestrictionList list{std::string(param), {}};
  for (const auto& w : words) {
    bool found = false;
    for (const auto& k : kWords)
      if (w == k.name) {
        list.words.push_back(k.word);
        found = true;
      }
    if (!found)
      return Error{std::string(param) + ": unknown restriction \"" + w + "\" (not supported yet)"};
  }
  return list;
}

Decision evaluate(const RestrictionList& list, const Facts& f) {
  bool rcpt = f.stage == Stage::recipient;
  for (Word w : list.words) {
    switch (w) {
      case Word::permit: return {Verdict::permit, {}};
      case Word::reject: return reject_with(f.reject_code, subject(f) + "Access denied");
      case Word::defer: return reject_with(f.defer_code, subject(f) + "Access denied");
      case Word::permit_mynetworks:
        if (f.client_in_mynetworks) return {Verdict::permit, {}};
        break;
      case Word::permit_sasl_authenticated:
        if (f.sasl_authenticated) return {Verdict::permit, {}};
        break;
      case Word::reject_unauth_destination:
        if (rcpt && !f.recipient_authorized)
          return reject_with(f.relay_reject_code, "<" + f.recipient + ">: Relay access denied");
        break;
      case Word::defer_unauth_destination:
        if (rcpt && !f.recipient_authorized)
          return reject_with(454, "<" + f.recipient + ">: Relay access denied");
        break;
      case Word::permit_auth_destination:
        if (rcpt && f.recipient_authorized) return {Verdict::permit, {}};
        break;
    }
  }
  return {Verdict::dunno, {}};
}

}  // namespace tern::policy
