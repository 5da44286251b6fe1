// Delivery agents: the last stage. The queue manager hands an agent one job — one
// message, the recipients that go to one transport and nexthop — on a worker thread; the
// agent delivers and answers with an outcome per recipient (several when an alias expands).
//
// Which agent serves a transport is master.cf's business, as in Postfix: the service
// named by the route's transport ("smtp", "relay", "local", "bounce", …) runs a command
// (smtp, lmtp, local, virtual, pipe, discard, error, retry), and that command picks the
// agent; the service's -o overrides are its parameters. A transport without a service,
// or with a command we do not have, defers its mail with a clear reason.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/config.hpp"
#include "delivery/result.hpp"
#include "message/envelope.hpp"

namespace tern::delivery {

class Agents;
class PrivilegedDelivery;

struct Request {
  const Message& message;
  std::vector<size_t> rcpts;   // indexes into message.envelope.recipients
  std::string transport;       // the master.cf service name
  std::string nexthop;         // "example.org", "[192.0.2.1]:587", "" when the agent decides
  double activated = 0;        // when the queue manager took the message in (for delays=)
  // Queues a new message the way bounces are queued (cleanup, group commit) and returns
  // its queue ID once it is durable: local(8) forwards to other addresses with it. Empty
  // when the caller offers no queue (some unit tests): forwarding is then deferred.
  std::function<Result<std::string>(Message)> resubmit = nullptr;
  // The other agents of this configuration, for an agent that hands a recipient on
  // (local's mailbox_transport and fallback_transport); nullptr when there are none.
  const Agents* agents = nullptr;
  // The privileged delivery helper's client (privileged.hpp), for deliveries with another
  // uid; nullptr when ternd does not run as root: agents then use their own uid.
  const PrivilegedDelivery* privileged = nullptr;
};

struct Outcome {
  std::vector<DeliveryResult> results;  // each names its recipient index
  // The destination failed as a whole (no host answered): the scheduler rests it, and
  // the rest of its waiting jobs are deferred with this outcome's reason.
  bool destination_failed = false;
};

class Agent {
 public:
  virtual ~Agent() = default;
  // Blocking; runs on a worker thread, concurrently with other jobs.
  virtual Outcome deliver(const Request& r) const = 0;
  // Several jobs of one destination may run one after another on one worker inside a
  // MaildirBatch (maildir_batch.hpp): the agent's Maildir writes are then queued and made
  // durable together. Agents whose mailboxes are Maildirs say yes; the queue manager then
  // runs one such run per destination at a time (a group commit: what arrives while a run
  // is on its way to disk goes in the next one).
  virtual bool batches_maildirs() const { return false; }
};

// What an agent is built from: the service it runs as and the whole configuration
// (for tables that live in the config directory).
struct AgentContext {
  const config::Config& cfg;
  const config::Service& service;
};

using AgentFactory = Result<std::unique_ptr<Agent>> (*)(const AgentContext&);

// One agent per delivery service in master.cf, built at (re)load.
class Agents {
 public:
  static Result<Agents> make(const config::Config& cfg);
  // nullptr: no service of that name, or it does not run a delivery command.
  const Agent* find(std::string_view transport) const;
  // Why find() failed, worded as the deferral reason Postfix gives.
  std::string unavailable_reason(std::string_view transport) const;

 private:
  std::map<std::string, std::shared_ptr<const Agent>, std::less<>> agents_;
  std::map<std::string, std::string, std::less<>> missing_;  // service -> its command
};

// The delivery commands we have, by master.cf command name.
AgentFactory factory_for(std::string_view command);

}  // namespace tern::delivery
