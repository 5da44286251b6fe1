// The local delivery agent for the local address class: aliases (alias_maps), then a
// local user's mailbox under home_mailbox. Runs with whatever privileges its role has;
// per-user uids, mbox, .forward, |command and /file targets come with the delivery issue
// and are deferred with a clear reason until then.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "config/params.hpp"
#include "delivery/result.hpp"
#include "maps/lookup.hpp"
#include "maps/passwd.hpp"
#include "message/envelope.hpp"

namespace tern::delivery {

class LocalDelivery {
 public:
  static Result<LocalDelivery> make(const config::Params& p, const maps::OpenContext& ctx);

  // Delivers recipient `index` of `m`; may produce several results when an alias expands.
  std::vector<DeliveryResult> deliver(const Message& m, size_t index) const;

 private:
  struct Job {
    const Message& m;
    const Recipient& rcpt;
    size_t index;
  };
  void expand(const Job& job, const std::string& local, int depth,
              std::vector<DeliveryResult>& out) const;
  DeliveryResult to_user(const Job& job, const maps::LocalUser& u, const std::string& final_rcpt) const;

  std::shared_ptr<maps::MapList> aliases_;
  std::shared_ptr<maps::UserDb> users_;
  std::string home_mailbox_, myorigin_, delimiters_;
  std::vector<std::string> mydestination_;
};

}  // namespace tern::delivery
