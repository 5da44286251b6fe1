// The queue as `postqueue -p` / `mailq` show it, read straight from the queue files (no
// daemon needed): one entry per message with its queue, size, arrival, sender, the
// recipients still to deliver and their deferral reasons.
#pragma once
#include <string>
#include <vector>

#include "queue/store.hpp"

namespace tern::queue {

struct ListedMessage {
  std::string id;
  QueueName queue;
  long long size = 0;
  double arrival = 0;
  std::string sender;
  struct Rcpt {
    std::string address;
    std::string reason;
  };
  std::vector<Rcpt> recipients;  // not yet final
};

std::vector<ListedMessage> list_queue(Store& store);

// Postfix's mailq text (showq's format).
std::string format_mailq(const std::vector<ListedMessage>& msgs);

}  // namespace tern::queue
