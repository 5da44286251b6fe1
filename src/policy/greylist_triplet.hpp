// The greylist triplet as postgrey builds it: the client's network (or the client itself
// with a /32 or /128 prefix), the sender with its per-message parts made constant, and the
// recipient, all in lower case: "192.0.2.0/alice@example.org/bob@example.net".
#pragma once
#include <string>
#include <string_view>

#include "base/net.hpp"

namespace tern::policy {

// postgrey's do_sender_substitutions: a BATV "prvs=tag=local" (either order) becomes the
// local part, "+extension" is dropped, and every number standing alone as a word is
// replaced by '#' (VERP and SRS-like counters), so one list mailing keeps one triplet.
// Case is kept (the key is folded as a whole); an address without '@' is kept as is.
std::string normalise_sender(std::string_view sender);

// The address with the bits beyond the prefix cleared, as text ("192.0.2.0", "2001:db8::").
std::string client_network(const IpAddress& client, int ipv4_prefix, int ipv6_prefix);

// "NETWORK/SENDER/RECIPIENT" in lower case, the sender normalised.
std::string triplet_key(std::string_view network, std::string_view sender, std::string_view recipient);

// The domain of a recipient as postgrey's %r takes it: after the last '@' (all of it
// when there is none).
std::string_view recipient_domain(std::string_view recipient);

}  // namespace tern::policy
