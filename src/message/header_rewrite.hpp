// cleanup's header address rewriting (Postfix's cleanup_rewrite): the addresses in
// From:, Sender:, Reply-To:, To:, Cc:, … and their Resent- forms go through
// Rewriter::header_address() — qualified, canonical-mapped and masqueraded for clients
// in local_header_rewrite_clients, only completed with remote_header_rewrite_domain for
// others. A header whose addresses do not change keeps its exact bytes.
#pragma once
#include "base/result.hpp"
#include "message/envelope.hpp"
#include "route/rewrite.hpp"

namespace tern {

// An error is a table that cannot answer now: the message is not accepted.
Status rewrite_address_headers(Message& m, const route::Rewriter& w, bool local_client);

}  // namespace tern
