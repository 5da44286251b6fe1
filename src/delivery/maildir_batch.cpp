// Maildir batches; see maildir_batch.hpp.
#include "delivery/maildir_batch.hpp"

#include <tuple>
#include <utility>

#include "delivery/privileged.hpp"

namespace tern::delivery {

namespace {
thread_local MaildirBatch* t_open = nullptr;

auto owner_key(const MaildirOwner& o) { return std::tuple(o.helper, uint8_t(o.purpose), o.uid, o.gid); }

std::vector<Result<std::string>> write_now(const MaildirOwner& as, std::span<const MaildirMessage> ms) {
  if (!as.helper) return deliver_maildirs(ms);
  return as.helper->maildirs(as.purpose, as.uid, as.gid, ms);
}
}  // namespace

Result<std::string> maildir_delivery(const MaildirOwner& as, MaildirMessage m) {
  MaildirBatch* b = t_open;
  if (!b || as.now) return std::move(write_now(as, std::span(&m, 1)).front());
  std::string path = maildir_final_path(m);
  b->bytes_ += m.prefix.size() + m.content.size();
  b->queued_.push_back({as, std::move(m)});
  if (b->queued_.size() >= MaildirBatch::kMaxMessages || b->bytes_ >= MaildirBatch::kMaxBytes) b->flush();
  return path;
}

MaildirBatch::MaildirBatch() : outer_(t_open) { t_open = this; }

MaildirBatch::~MaildirBatch() {
  flush();
  t_open = outer_;
}

MaildirBatch* MaildirBatch::current() { return t_open; }

std::map<std::string, std::string> MaildirBatch::commit() {
  flush();
  return std::exchange(failed_, {});
}

// One write per owner, in the order the owners first appear.
void MaildirBatch::flush() {
  std::vector<Queued> all = std::exchange(queued_, {});
  bytes_ = 0;
  std::vector<bool> done(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    if (done[i]) continue;
    std::vector<MaildirMessage> group;
    for (size_t k = i; k < all.size(); ++k)
      if (!done[k] && owner_key(all[k].as) == owner_key(all[i].as)) {
        group.push_back(std::move(all[k].m));  // all[i].as stays: only the messages move
        done[k] = true;
      }
    auto results = write_now(all[i].as, group);
    for (size_t k = 0; k < group.size(); ++k)
      if (!results[k]) failed_.try_emplace(maildir_final_path(group[k]), results[k].error().message);
  }
}

}  // namespace tern::delivery
