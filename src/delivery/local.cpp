// Local delivery; see local.hpp.
#include "delivery/local.hpp"

#include <fmt/format.h>

#include "base/strings.hpp"
#include "delivery/maildir.hpp"
#include "route/resolve.hpp"
#include "route/verp.hpp"
#include "smtp/address.hpp"

namespace tern::delivery {

namespace {
constexpr int kMaxAliasDepth = 100;  // Postfix's virtual_alias_recursion_limit spirit
}

Result<LocalDelivery> LocalDelivery::make(const config::Params& p, const maps::OpenContext& ctx) {
  LocalDelivery d;
  auto aliases = maps::MapList::open(p.alias_maps, ctx);
  if (!aliases) return Error{"alias_maps: " + aliases.error().message};
  auto users = maps::UserDb::open(p.local_passwd_file);
  if (!users) return Error{"local_passwd_file: " + users.error().message};
  d.aliases_ = std::make_shared<maps::MapList>(std::move(*aliases));
  d.users_ = std::make_shared<maps::UserDb>(std::move(*users));
  d.home_mailbox_ = p.home_mailbox;
  d.myorigin_ = p.myorigin;
  d.delimiters_ = p.recipient_delimiter;
  d.mydestination_ = p.mydestination;
  return d;
}

std::vector<DeliveryResult> LocalDelivery::deliver(const Message& m, size_t index) const {
  std::vector<DeliveryResult> out;
  Job job{m, m.envelope.recipients.at(index), index};
  auto parts = smtp::split_address(job.rcpt.address);
  expand(job, std::string(parts.local), 0, out);
  return out;
}

void LocalDelivery::expand(const Job& job, const std::string& local, int depth,
                           std::vector<DeliveryResult>& out) const {
  const Recipient& rcpt = job.rcpt;
  std::string final_rcpt = depth == 0 ? rcpt.address : lower(local) + "@" + myorigin_;
  if (depth > kMaxAliasDepth) {
    out.push_back(DeliveryResult::bounce("5.4.6", "mail forwarding loop for " + rcpt.address, "local", final_rcpt));
    return;
  }
  auto keys = route::local_lookup_keys(local, delimiters_);
  for (const auto& key : keys) {
    auto hit = aliases_->find(key);
    if (!hit) {
      out.push_back(DeliveryResult::defer("4.3.0", "alias database unavailable: " + hit.error().message, "local", final_rcpt));
      return;
    }
    if (!*hit) continue;
    for (const auto& target : split_list(**hit)) {
      std::string_view t = target;
      if (t.empty()) continue;
      if (t.front() == '|' || t.front() == '/' || istarts_with(t, ":include:")) {
        out.push_back(DeliveryResult::defer("4.3.0", "alias target \"" + printable(t, 60) +
                                            "\": command, file and :include: delivery is not implemented yet",
                                            "local", final_rcpt));
        continue;
      }
      auto tp = smtp::split_address(t);
      bool local_target = tp.domain.empty();
      for (const auto& d : mydestination_) local_target |= iequals(d, tp.domain);
      if (!local_target) {
        out.push_back(DeliveryResult::defer("4.3.0", "forwarding to " + printable(t, 80) +
                                            ": delivery to remote domains is not implemented yet",
                                            "local", final_rcpt));
        continue;
      }
      // An alias that names itself means the user of that name (e.g. "alice: alice").
      if (lower(tp.local) == key) {
        if (auto u = users_->find(key)) out.push_back(to_user(job, *u, final_rcpt));
        else out.push_back(DeliveryResult::bounce("5.1.1", "unknown user: \"" + key + "\"", "local", final_rcpt));
        continue;
      }
      expand(job, std::string(tp.local), depth + 1, out);
    }
    return;
  }
  // Not an alias: a user, by the name without its extension.
  const std::string& user = keys.back();
  if (auto u = users_->find(user)) {
    out.push_back(to_user(job, *u, final_rcpt));
    return;
  }
  out.push_back(DeliveryResult::bounce("5.1.1", "unknown user: \"" + user + "\"", "local", final_rcpt));
}

DeliveryResult LocalDelivery::to_user(const Job& job, const maps::LocalUser& u,
                                      const std::string& rcpt_addr) const {
  const Message& m = job.m;
  const Recipient& rcpt = job.rcpt;
  if (home_mailbox_.empty() || home_mailbox_.back() != '/')
    return DeliveryResult::defer("4.3.0", "mailbox delivery to \"" + (home_mailbox_.empty() ? std::string("/var/mail") : home_mailbox_) +
                                 "\": only Maildir (home_mailbox ending in /) is implemented yet",
                                 "local", rcpt_addr);
  std::string sender = m.envelope.verp.empty()
                           ? m.envelope.sender
                           : route::verp_sender(m.envelope.sender, rcpt.address, m.envelope.verp);
  std::string prefix = "Return-Path: <" + sender + ">\n";
  // X-Original-To is the recipient as the client gave it at RCPT (not the DSN ORCPT).
  prefix += "X-Original-To: " + rcpt.original_or_address() + "\n";
  prefix += "Delivered-To: " + rcpt_addr + "\n";
  // The same queue file and recipient always make the same Maildir name (see maildir.hpp).
  std::string unique = fmt::format("{}.T{}R{}", (long long)m.envelope.arrival, m.envelope.queue_id, job.index);
  auto r = deliver_maildir(u.home + "/" + home_mailbox_, unique, prefix, m.content);
  if (!r) return DeliveryResult::defer("4.2.0", "maildir delivery failed: " + r.error().message, "local", rcpt_addr);
  return DeliveryResult::ok("delivered to maildir", "local", rcpt_addr);
}

}  // namespace tern::delivery
