// The names that must resolve: reject_unknown_client_hostname and
// reject_unknown_reverse_client_hostname (from what the session learnt when the client
// connected), reject_unknown_helo_hostname (an A, AAAA or MX record), and
// reject_unknown_sender_domain / reject_unknown_recipient_domain (MX, A or AAAA, and no
// null MX; not for domains we are the final destination of). Replies, codes and the
// *_tempfail_action handling of temporary failures are Postfix's.
#pragma once
#include <asio/awaitable.hpp>

#include "policy/restrictions.hpp"

namespace tern::policy {

bool is_unknown_word(Word w);
// The two client name words: answered from Facts without the DNS.
bool is_client_name_word(Word w);

asio::awaitable<Decision> unknown_word(Word w, const Facts& f, Evaluation& ev);

// reject_tempfail_action and its kin: "defer" or "defer_if_permit" (else an Error).
Status check_tempfail_action(std::string_view param, std::string_view value);

}  // namespace tern::policy
