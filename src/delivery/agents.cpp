// The agent registry and the agents that need no peer: discard, error, retry, local
// (delivery/local.hpp), virtual (delivery/virtual.hpp) and pipe (delivery/pipe.hpp) behind
// the Agent interface. See agent.hpp.
#include "base/strings.hpp"
#include "delivery/agent.hpp"
#include "delivery/local.hpp"
#include "delivery/smtp/agent.hpp"
#include "delivery/pipe.hpp"
#include "delivery/virtual.hpp"
#include "maps/lookup.hpp"

namespace tern::delivery {

namespace {

// error(8): the nexthop is the reason, optionally led by a status code ("5.1.1 no such
// user here"). It bounces, except as the service named "retry" (Postfix's stock master.cf
// runs error(8) as retry too), where it defers.
class ErrorAgent : public Agent {
 public:
  explicit ErrorAgent(bool permanent) : permanent_(permanent) {}
  Outcome deliver(const Request& r) const override {
    std::string_view text = trim(r.nexthop);
    std::string dsn = permanent_ ? "5.0.0" : "4.0.0";
    auto sp = text.find(' ');
    std::string_view first = text.substr(0, sp);
    if (first.size() == 5 && first[1] == '.' && (first[0] == '4' || first[0] == '5')) {
      dsn = std::string(first);
      dsn[0] = permanent_ ? '5' : '4';
      text = sp == std::string_view::npos ? std::string_view() : trim(text.substr(sp));
    }
    std::string reason = text.empty() ? (permanent_ ? "delivery failed" : "delivery temporarily suspended")
                                      : std::string(text);
    Outcome out;
    for (size_t i : r.rcpts) {
      const auto& addr = r.message.envelope.recipients[i].address;
      auto res = permanent_ ? DeliveryResult::bounce(dsn, reason, "none", addr)
                            : DeliveryResult::defer(dsn, reason, "none", addr);
      res.index = i;
      out.results.push_back(std::move(res));
    }
    return out;
  }

 private:
  bool permanent_;
};

// discard(8): reports success without delivering; the nexthop is the reason logged.
class DiscardAgent : public Agent {
 public:
  Outcome deliver(const Request& r) const override {
    Outcome out;
    std::string reason = trim(r.nexthop).empty() ? std::string("discarded") : std::string(trim(r.nexthop));
    for (size_t i : r.rcpts) {
      auto res = DeliveryResult::ok(reason, "none", r.message.envelope.recipients[i].address);
      res.index = i;
      out.results.push_back(std::move(res));
    }
    return out;
  }
};

class LocalAgent : public Agent {
 public:
  explicit LocalAgent(LocalDelivery d) : d_(std::move(d)) {}
  Outcome deliver(const Request& r) const override {
    Outcome out;
    for (size_t i : r.rcpts)
      for (auto& res : d_.deliver(r, i)) {
        res.index = i;
        out.results.push_back(std::move(res));
      }
    return out;
  }
  bool batches_maildirs() const override { return d_.mailboxes_are_maildirs(); }

 private:
  LocalDelivery d_;
};

class VirtualAgent : public Agent {
 public:
  explicit VirtualAgent(VirtualDelivery d) : d_(std::move(d)) {}
  Outcome deliver(const Request& r) const override {
    Outcome out;
    for (size_t i : r.rcpts) {
      out.results.push_back(d_.deliver(r.message, i, r.privileged));
      out.results.back().index = i;
    }
    return out;
  }
  // Not batched: virtual(8)'s destination is the domain, so one run at a time would put
  // every mailbox of a domain (mbox files too) behind one another.

 private:
  VirtualDelivery d_;
};

Result<std::unique_ptr<Agent>> make_error(const AgentContext& c) {
  return std::unique_ptr<Agent>(new ErrorAgent(c.service.entry.service != "retry"));
}
Result<std::unique_ptr<Agent>> make_discard(const AgentContext&) { return std::unique_ptr<Agent>(new DiscardAgent); }
Result<std::unique_ptr<Agent>> make_local(const AgentContext& c) {
  const auto& p = c.service.params;
  auto d = LocalDelivery::make(p, c.cfg, c.service.entry.overrides, {c.cfg.directory, p.local_passwd_file});
  if (!d) return d.error();
  return std::unique_ptr<Agent>(new LocalAgent(std::move(*d)));
}

Result<std::unique_ptr<Agent>> make_virtual(const AgentContext& c) {
  auto d = VirtualDelivery::make(c.service.params, {c.cfg.directory, c.service.params.local_passwd_file});
  if (!d) return d.error();
  return std::unique_ptr<Agent>(new VirtualAgent(std::move(*d)));
}

}  // namespace

AgentFactory factory_for(std::string_view command) {
  static const std::map<std::string_view, AgentFactory> known = {
      {"local", make_local},         {"error", make_error},           {"discard", make_discard},
      {"pipe", make_pipe_agent},     {"virtual", make_virtual},       {"smtp", make_smtp_agent},
      {"lmtp", make_lmtp_agent},
  };
  auto it = known.find(command);
  return it == known.end() ? nullptr : it->second;
}

Result<Agents> Agents::make(const config::Config& cfg) {
  Agents a;
  for (const auto& svc : cfg.services) {
    if (svc.entry.type != "unix") continue;
    const std::string& cmd = svc.entry.command;
    AgentFactory f = factory_for(cmd);
    if (!f) {
      a.missing_[svc.entry.service] = cmd;
      continue;
    }
    auto agent = f({cfg, svc});
    if (!agent)
      return Error{svc.entry.file + ":" + std::to_string(svc.entry.line) + ": service " + svc.entry.service +
                   " (" + cmd + "): " + agent.error().message};
    a.agents_[svc.entry.service] = std::move(*agent);
  }
  return a;
}

const Agent* Agents::find(std::string_view transport) const {
  auto it = agents_.find(transport);
  return it == agents_.end() ? nullptr : it->second.get();
}

std::string Agents::unavailable_reason(std::string_view transport) const {
  auto it = missing_.find(transport);
  if (it == missing_.end())
    return "mail transport unavailable: no master.cf service named \"" + std::string(transport) + "\"";
  return "mail transport unavailable: master.cf service \"" + std::string(transport) + "\" runs \"" +
         it->second + "\", which is not a delivery agent Tern has yet";
}

}  // namespace tern::delivery
