// The HTTP side of an MTA-STS policy fetch (RFC 8461 §3.3), as text in and out: the
// request Tern sends for https://mta-sts.DOMAIN/.well-known/mta-sts.txt, and the checks on
// the whole reply — status 200 only (redirects are not followed), media type text/plain,
// Content-Length honoured, no transfer codings (we ask in HTTP/1.0), the body within the
// size limit. Pure: the TLS connection is the caller's.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace tern::sts {

inline constexpr std::string_view kPolicyPath = "/.well-known/mta-sts.txt";

std::string policy_request(std::string_view policy_host);

// What the reader knows so far about a reply that may be incomplete.
enum class ReplyState { incomplete, complete };

// `reply` holds everything read; `closed` says the server closed the connection. Returns
// the body when the reply is complete and acceptable, ReplyState::incomplete through
// `state` when more must be read, or an error that says why the policy is refused.
Result<std::string> policy_body(std::string_view reply, bool closed, size_t limit, ReplyState* state);

}  // namespace tern::sts
