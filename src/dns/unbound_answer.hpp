// libunbound's result structure turned into Tern's dns::Answer: the outcome from the
// RCODE and the data, the DNSSEC status from the validator (a bogus answer is a temporary
// failure whose status says bogus), the record data copied out in wire form, and the name
// the CNAME chain ended at. Pure and separate from the resolver so the mapping is
// unit-tested without a server.
#pragma once
#include <string_view>

#include "dns/answer.hpp"

struct ub_result;

namespace tern::dns {

// `err` is the libunbound error code a callback received (0: `r` holds the result);
// `r` may be null when err is set. Does not free `r`.
Answer answer_from_unbound(int err, const ub_result* r);

// "SERVFAIL", "REFUSED", ... for the RCODEs libunbound reports; "RCODE n" otherwise.
std::string_view rcode_name(int rcode);

}  // namespace tern::dns
