// Envelope rewriting at cleanup, as Postfix's cleanup(8) does it before a message is
// queued: qualification (@$myorigin, append_dot_mydomain), canonical maps
// (sender_canonical_maps / recipient_canonical_maps, then canonical_maps, each within its
// *_classes), masquerading (masquerade_domains, _exceptions, _classes) and, for
// recipients, virtual alias expansion: recursive, with Postfix's limits, a self-reference
// ending the expansion ("a@x -> a@x, b@y" keeps a@x), duplicates dropped and a loop
// refused.
//
// An error means the message cannot be accepted now (a table failed, or an expansion
// broke a limit): the client gets a temporary failure, as Postfix's cleanup defers.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/params.hpp"
#include "maps/lookup.hpp"
#include "route/domains.hpp"
#include "route/resolve.hpp"
#include "route/trace.hpp"

namespace tern::route {

class Rewriter {
 public:
  static Result<Rewriter> make(const config::Params& p, const maps::OpenContext& ctx);

  // Adds @$myorigin to a bare user (append_at_myorigin) and .$mydomain to a dotless
  // domain (append_dot_mydomain).
  std::string qualify(std::string_view address) const;
  Result<std::string> sender(std::string_view address, Trace* t = nullptr) const;
  // Canonical rewriting and masquerading of one recipient, without alias expansion.
  Result<std::string> canonical_recipient(std::string_view address, Trace* t = nullptr) const;
  // canonical_recipient(), then virtual alias expansion: the final recipients.
  Result<std::vector<std::string>> recipient(std::string_view address, Trace* t = nullptr) const;
  // An address in a message header: qualified with @$myorigin when `local_client` (else
  // with remote_header_rewrite_domain, when set), then canonical maps and masquerading by
  // their header_sender / header_recipient classes.
  Result<std::string> header_address(std::string_view address, bool sender_header, bool local_client) const;
  // Whether header_address() can change anything for a client of this kind.
  bool rewrites_headers(bool local_client) const;
  const AddressResolver& resolver() const { return resolver_; }

 private:
  struct Canonical {
    std::shared_ptr<const maps::MapList> maps;
    const char* name = "";
    bool sender = false, recipient = false;  // envelope_sender / envelope_recipient in its classes
    bool header_sender = false, header_recipient = false;
  };
  Result<std::string> map11(const Canonical& c, const std::string& address, Trace* t) const;
  std::string masquerade(const std::string& address, Trace* t) const;
  Status expand(const std::string& address, int depth, std::vector<std::string>& path,
                std::vector<std::string>& kept, std::vector<std::string>& out, Trace* t) const;

  AddressResolver resolver_;
  std::string myorigin_, mydomain_, delimiters_;
  bool append_dot_mydomain_ = false, append_at_myorigin_ = true;
  Canonical sender_canonical_, recipient_canonical_, canonical_;
  std::shared_ptr<const maps::MapList> virtual_alias_;
  bool propagate_canonical_ = true, propagate_virtual_ = true;
  std::vector<std::string> masquerade_domains_;  // in order; "!x" = exception
  std::vector<std::string> masquerade_exceptions_;
  bool masquerade_sender_ = true, masquerade_recipient_ = false;
  bool masquerade_header_sender_ = true, masquerade_header_recipient_ = true;
  std::string remote_header_domain_;  // remote_header_rewrite_domain
  size_t expansion_limit_ = 1000, recursion_limit_ = 1000, length_limit_ = 1000;
};

}  // namespace tern::route
