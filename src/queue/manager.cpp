// The queue manager; see manager.hpp.
#include "queue/manager.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <chrono>
#include <future>

#include "base/file.hpp"
#include "base/net.hpp"
#include "base/queue_id.hpp"
#include "base/strings.hpp"
#include "base/time.hpp"
#include "delivery/maildir_batch.hpp"
#include "message/cleanup.hpp"
#include "message/content_checks.hpp"
#include "message/dkim_sign.hpp"
#include "message/header_rewrite.hpp"
#include "message/maillog.hpp"
#include "queue/control.hpp"
#include "route/verp.hpp"
#include "smtp/address.hpp"

namespace tern::queue {

namespace {

bool is_local_client(const ClientInfo& c) {
  if (c.is_local()) return true;
  auto ip = IpAddress::parse(c.addr);
  if (!ip) return false;
  static const Cidr loop4 = *Cidr::parse("127.0.0.0/8"), loop6 = *Cidr::parse("::1/128");
  return loop4.contains(*ip) || loop6.contains(*ip);
}

size_t int_param(const config::Config& cfg, const std::string& name, size_t fallback) {
  auto v = parse_int(trim(cfg.raw_value(name)));
  return v && *v > 0 ? size_t(*v) : fallback;
}

// The destination a recipient's delivery is scheduled under: per user for local (as
// Postfix's local_destination_recipient_limit = 1 makes it), per nexthop otherwise.
std::string destination_of(const route::Route& r) {
  if (r.cls == route::AddressClass::local)
    return r.transport + ":" + lower(smtp::split_address(r.recipient).local);
  return r.transport + ":" + lower(r.nexthop);
}

// cleanup's envelope rewriting: the sender, and each pending recipient into the final
// recipients it stands for (canonical maps, virtual aliases), remembering what it was.
Status rewrite_envelope(const route::Rewriter& w, Envelope& e) {
  auto sender = w.sender(e.sender);
  if (!sender) return sender.error();
  e.sender = std::move(*sender);
  std::vector<Recipient> out;
  out.reserve(e.recipients.size());
  for (auto& r : e.recipients) {
    if (r.state != RcptState::pending) {
      out.push_back(std::move(r));
      continue;
    }
    auto finals = w.recipient(r.address);
    if (!finals) return finals.error();
    for (auto& f : *finals) {
      bool dup = false;  // two recipients that expand to the same address: deliver once
      for (const auto& o : out) dup |= o.state == RcptState::pending && iequals(o.address, f);
      if (dup) continue;
      Recipient n = r;
      if (f != r.address && n.original.empty()) n.original = r.address;
      n.address = std::move(f);
      out.push_back(std::move(n));
    }
  }
  e.recipients = std::move(out);
  return ok_status();
}

// REDIRECT from header/body checks: every pending recipient becomes the one address, which
// is delivered once; the first original is remembered (orig_to=), as Postfix's qmgr does.
void redirect_recipients(Envelope& e, const std::string& to) {
  std::vector<Recipient> out;
  bool redirected = false;
  for (auto& r : e.recipients) {
    if (r.state == RcptState::pending && redirected) continue;
    if (r.state == RcptState::pending) {
      if (r.original.empty()) r.original = r.address;
      r.address = to;
      redirected = true;
    }
    out.push_back(std::move(r));
  }
  e.recipients = std::move(out);
}

// BCC from header/body checks: one more recipient (NOTIFY=NEVER), through virtual aliases
// like any other; an address the message already goes to is not added twice.
Status add_bcc(const route::Rewriter& w, Envelope& e, const std::string& bcc) {
  auto finals = w.recipient(bcc);
  if (!finals) return finals.error();
  for (auto& f : *finals) {
    bool dup = false;
    for (const auto& o : e.recipients) dup |= o.state == RcptState::pending && iequals(o.address, f);
    if (dup) continue;
    Recipient n{f, "", notify_never};
    if (f != bcc) n.original = bcc;
    e.recipients.push_back(std::move(n));
  }
  return ok_status();
}

// A message with a filter (content_filter, FILTER actions) goes to the filter's transport
// and nexthop instead of each recipient's route, without resolving its recipients: the
// filter re-injects it and the copy is routed then. A filter without a nexthop
// ("transport:") uses default_filter_nexthop, else the recipient's domain (Postfix 2.7).
route::Route filter_route(const std::string& filter, const std::string& default_nexthop, const std::string& rcpt) {
  auto f = route::TransportSpec::parse(filter);
  route::Route r;
  r.transport = f.transport;
  r.nexthop = !f.nexthop.empty() ? f.nexthop
              : !default_nexthop.empty() ? default_nexthop
                                         : lower(smtp::split_address(rcpt).domain);
  r.recipient = rcpt;
  return r;
}

// content_filter's value: "transport:nexthop" (the nexthop may be empty), or nothing.
Status check_filter(const std::string& name, const std::string& value) {
  if (trim(value).empty()) return ok_status();
  auto f = route::TransportSpec::parse(value);
  if (f.transport.empty() || value.find(':') == std::string::npos)
    return Error{name + ": \"" + value + "\": expected transport:destination"};
  return ok_status();
}

// The parameters probes are routed with: the address_verify_* overrides in place.
config::Params probe_routing(const config::Params& p) {
  config::Params v = p;
  v.local_transport = p.address_verify_local_transport;
  v.virtual_transport = p.address_verify_virtual_transport;
  v.relay_transport = p.address_verify_relay_transport;
  v.default_transport = p.address_verify_default_transport;
  v.relayhost = p.address_verify_relayhost;
  v.transport_maps = p.address_verify_transport_maps;
  v.sender_dependent_relayhost_maps = p.address_verify_sender_dependent_relayhost_maps;
  v.sender_dependent_default_transport_maps = p.address_verify_sender_dependent_default_transport_maps;
  return v;
}

}  // namespace

Result<HeaderRewriteClients> HeaderRewriteClients::make(const config::Params& p) {
  HeaderRewriteClients h;
  for (const auto& w : p.local_header_rewrite_clients) {
    std::string word = lower(w);
    if (word == "static:all") h.all = true;
    else if (word == "permit_inet_interfaces") h.inet_interfaces = true;
    else if (word == "permit_sasl_authenticated") h.sasl = true;
    else if (word == "permit_mynetworks") h.mynetworks = true;
    else return Error{"local_header_rewrite_clients: \"" + w + "\" is not supported (use permit_inet_interfaces, "
                      "permit_mynetworks, permit_sasl_authenticated or static:all)"};
  }
  // inet_interfaces: the listed addresses; "all" means every address of this machine and
  // "loopback-only" the loopback ones.
  bool all_interfaces = false;
  for (const auto& a : p.inet_interfaces) {
    if (auto ip = IpAddress::parse(a)) h.interfaces.push_back(*ip);
    else if (iequals(a, "all")) all_interfaces = true;
    else if (iequals(a, "loopback-only"))
      for (const char* l : {"127.0.0.1", "::1"}) h.interfaces.push_back(*IpAddress::parse(l));
  }
  if (all_interfaces)
    for (const auto& n : interface_addresses()) h.interfaces.push_back(n.addr);
  for (const auto& n : p.mynetworks)
    if (auto c = Cidr::parse(n)) h.networks.push_back(*c);
  return h;
}

bool HeaderRewriteClients::applies(const ClientInfo& c) const {
  if (all || c.is_local()) return true;  // sendmail submissions are always ours
  if (sasl && !c.sasl_username.empty()) return true;
  auto ip = IpAddress::parse(c.addr);
  if (!ip) return false;
  if (inet_interfaces) {
    for (const auto& i : interfaces)
      if (i.unmapped() == ip->unmapped()) return true;
  }
  if (mynetworks)
    for (const auto& n : networks)
      if (n.contains(*ip)) return true;
  return false;
}

Result<std::shared_ptr<const ManagerSettings>> make_settings(std::shared_ptr<const config::Config> cfg) {
  const auto& p = cfg->params;
  auto s = std::make_shared<ManagerSettings>();
  auto rewriter = route::Rewriter::make(p, {cfg->directory, p.local_passwd_file});
  if (!rewriter) return rewriter.error();
  auto agents = delivery::Agents::make(*cfg);
  if (!agents) return agents.error();
  s->rewriter = std::move(*rewriter);
  if (p.address_verify_sender_ttl.count() > 0)
    return Error{"address_verify_sender_ttl = " + std::to_string(p.address_verify_sender_ttl.count()) +
                 "s: rotating the probe sender is not supported; set it to 0"};
  auto probe_resolver = route::AddressResolver::make(probe_routing(p), {cfg->directory, p.local_passwd_file});
  if (!probe_resolver) return Error{"address verification routing: " + probe_resolver.error().message};
  s->probe_resolver = std::move(*probe_resolver);
  auto hrc = HeaderRewriteClients::make(p);
  if (!hrc) return hrc.error();
  s->header_rewrite = std::move(*hrc);
  s->dkim_signers = s->header_rewrite;
  s->dkim_signers.all = s->dkim_signers.inet_interfaces = false;
  s->dkim_signers.mynetworks = s->dkim_signers.sasl = true;
  auto dkim = dkim::SigningPolicy::make(p, {cfg->directory, p.local_passwd_file});
  if (!dkim) return dkim.error();
  s->dkim_signing = std::move(*dkim);
  auto checks = ContentChecks::make(p, {cfg->directory, p.local_passwd_file});
  if (!checks) return checks.error();
  s->content_checks = std::move(*checks);
  auto overrides = ReceiveOverrides::parse(p.receive_override_options);
  if (!overrides) return overrides.error();
  s->pickup_overrides = *overrides;
  if (auto st = check_filter("content_filter", p.content_filter); !st) return st.error();
  s->pickup_filter = std::string(trim(p.content_filter));
  s->default_filter_nexthop = std::string(trim(p.default_filter_nexthop));
  config::Params unmapped = p;
  unmapped.canonical_maps.clear();
  unmapped.sender_canonical_maps.clear();
  unmapped.recipient_canonical_maps.clear();
  unmapped.virtual_alias_maps.clear();
  unmapped.masquerade_domains.clear();
  auto plain = route::Rewriter::make(unmapped, {cfg->directory, p.local_passwd_file});
  if (!plain) return plain.error();
  s->unmapped_rewriter = std::move(*plain);
  if (!p.non_smtpd_milters.empty()) {
    auto ms = milter::load_settings(p, p.non_smtpd_milters);
    if (!ms) return Error{"non_smtpd_milters: " + ms.error().message};
    s->non_smtpd_milters = std::make_shared<const milter::Settings>(std::move(*ms));
  }
  s->agents = std::move(*agents);
  s->backoff = {double(p.minimal_backoff_time.count()), double(p.maximal_backoff_time.count())};
  s->limits.default_concurrency = size_t(std::max<long long>(1, p.default_destination_concurrency_limit));
  s->limits.default_recipients = size_t(std::max<long long>(1, p.default_destination_recipient_limit));
  for (const auto& svc : cfg->services) {
    const std::string& t = svc.entry.service;
    s->limits.concurrency[t] = int_param(*cfg, t + "_destination_concurrency_limit", s->limits.default_concurrency);
    s->limits.recipients[t] = int_param(*cfg, t + "_destination_recipient_limit", s->limits.default_recipients);
  }
  s->limits.concurrency["local"] = size_t(std::max<long long>(1, p.local_destination_concurrency_limit));
  s->limits.recipients["local"] = size_t(std::max<long long>(1, p.local_destination_recipient_limit));
  // Maildir mailboxes: one run per mailbox at a time, taking all that waits (pump()).
  for (const auto& svc : cfg->services)
    if (const delivery::Agent* a = s->agents.find(svc.entry.service); a && a->batches_maildirs())
      s->limits.one_at_a_time.insert(svc.entry.service);
  // Deliveries block their worker (an SMTP job waits on the network), so the pool follows
  // Postfix's per-service process limit, within what one queue role sensibly runs.
  s->workers = size_t(std::clamp<long long>(p.default_process_limit, 2, 32));
  s->limits.dead_time = double(std::max<long long>(1, p.queue_run_delay.count()));
  s->max_lifetime = double(p.maximal_queue_lifetime.count());
  s->bounce_lifetime = double(p.bounce_queue_lifetime.count());
  s->delay_warning = double(p.delay_warning_time.count());
  for (const auto& c : p.notify_classes) {
    static const std::set<std::string> known = {"bounce", "2bounce", "data", "delay", "policy",
                                                "protocol", "resource", "software"};
    if (!known.count(c)) return Error{"notify_classes: unknown class \"" + c + "\""};
    s->notify.insert(c);
  }
  s->myhostname = p.myhostname;
  s->myorigin = p.myorigin;
  s->bounce_notice = smtp::qualify_address(p.bounce_notice_recipient, p.myorigin);
  s->two_bounce_notice = smtp::qualify_address(p.two_bounce_notice_recipient, p.myorigin);
  s->delay_notice = smtp::qualify_address(p.delay_notice_recipient, p.myorigin);
  s->error_notice = smtp::qualify_address(p.error_notice_recipient, p.myorigin);
  s->double_bounce_sender = smtp::qualify_address(p.double_bounce_sender, p.myorigin);
  s->active_limit = size_t(std::max<long long>(1, p.qmgr_message_active_limit));
  s->disable_verp_bounces = p.disable_verp_bounces;
  s->cfg = std::move(cfg);
  return std::shared_ptr<const ManagerSettings>(std::move(s));
}

QueueManager::QueueManager(Store& store, Executors ex, std::shared_ptr<const ManagerSettings> s)
    : store_(store), ex_(std::move(ex)), settings_(std::move(s)), scheduler_(settings_->limits) {}

// ---- arrival -------------------------------------------------------------------------

void QueueManager::submit(std::shared_ptr<Message> m, Done done, bool inspect, bool non_smtpd_milters) {
  const auto& s = *settings_;
  const auto& p = s.cfg->params;
  const route::Rewriter& rewriter = m->envelope.no_address_mappings ? s.unmapped_rewriter : s.rewriter;
  if (auto st = rewrite_envelope(rewriter, m->envelope); !st) {
    cleanup_.warning("{}: {}", m->envelope.queue_id, st.error().message);
    if (done) done({st});
    return;
  }
  if (inspect && !m->envelope.no_header_body_checks && !s.content_checks.empty() && !run_checks(*m, done))
    return;
  if (auto st = rewrite_address_headers(*m, rewriter, s.header_rewrite.applies(m->envelope.client)); !st) {
    cleanup_.warning("{}: header rewriting: {}", m->envelope.queue_id, st.error().message);
    if (done) done({st});
    return;
  }
  CleanupOptions opt{p.always_add_missing_headers || is_local_client(m->envelope.client), s.myhostname};
  auto cr = cleanup(*m, opt);
  maillog::message_id(cleanup_, m->envelope.queue_id, cr.message_id);
  // non_smtpd_milters see the message as cleanup made it (Postfix's order), before signing.
  if (non_smtpd_milters && s.non_smtpd_milters && !m->envelope.no_milters) {
    if (!milter_run_) {
      cleanup_.warning("{}: non_smtpd_milters: no milter runner in this process -- message not accepted, "
                       "try again later", m->envelope.queue_id);
      if (done) done({Status(Error{"non_smtpd_milters cannot run here"})});
      return;
    }
    std::vector<std::string> before;  // recipients a milter adds are rewritten like the others
    for (const auto& r : m->envelope.recipients) before.push_back(r.address);
    milter_run_(s.non_smtpd_milters, s.myhostname, m, [this, m, before, done = std::move(done)](MilterOutcome o) {
      milters_done(m, before, done, o);
    });
    return;
  }
  sign_and_commit(std::move(m), std::move(done));
}

void QueueManager::milters_done(std::shared_ptr<Message> m, const std::vector<std::string>& before, const Done& done,
                                const MilterOutcome& o) {
  Envelope& e = m->envelope;
  const std::string to = e.recipients.empty() ? "" : e.recipients.front().address;
  if (!o.reply.empty()) {
    std::string_view text = std::string_view(o.reply).substr(std::min<size_t>(4, o.reply.size()));
    maillog::event(cleanup_, e.queue_id, "milter-reject", "END-OF-MESSAGE", e.client, text, e.sender, to);
    if (o.reply[0] == '4') {  // the maildrop file stays for the next pickup
      if (done) done({Status(Error{"milter: " + std::string(text)})});
      return;
    }
    bounce_refused(*m, o.reply);  // sendmail has gone: the sender hears it as a bounce
    if (done) done({ok_status(), o.reply});
    return;
  }
  if (o.discard || e.recipients.empty()) {
    maillog::event(cleanup_, e.queue_id, "milter-discard", "END-OF-MESSAGE", e.client,
                   o.discard ? "milter triggers DISCARD action" : "milter deleted all recipients", e.sender, to);
    if (done) done({});
    return;
  }
  if (o.hold) {
    e.hold = true;
    maillog::event(cleanup_, e.queue_id, "milter-hold", "END-OF-MESSAGE", e.client, o.hold_reason, e.sender, to);
  }
  std::vector<std::string> added;
  std::erase_if(e.recipients, [&](const Recipient& r) {
    bool is_new = std::find(before.begin(), before.end(), r.address) == before.end();
    if (is_new) added.push_back(r.address);
    return is_new;
  });
  for (const auto& a : added) {
    size_t from = e.recipients.size();
    const auto& rewriter = e.no_address_mappings ? settings_->unmapped_rewriter : settings_->rewriter;
    if (auto st = add_bcc(rewriter, e, a); !st) {
      cleanup_.warning("{}: milter recipient {}: {}", e.queue_id, printable(a), st.error().message);
      if (done) done({st});
      return;
    }
    for (size_t i = from; i < e.recipients.size(); ++i) e.recipients[i].notify = 0;  // ordinary, not a BCC
  }
  sign_and_commit(std::move(m), done);
}

void QueueManager::sign_and_commit(std::shared_ptr<Message> m, Done done) {
  const auto& s = *settings_;
  if (s.dkim_signing->enabled() && !m->envelope.no_milters && s.dkim_signers.applies(m->envelope.client)) {

    auto signed_ = dkim_sign(*m, *s.dkim_signing);
    if (!signed_) {
      cleanup_.warning("{}: DKIM signing: {}", m->envelope.queue_id, signed_.error().message);
      if (done) done({Status(Error{"DKIM signing: " + signed_.error().message})});
      return;
    }
    for (const auto& sig : signed_->signatures)
      cleanup_.info("{}: DKIM-Signature field added ({})", m->envelope.queue_id, sig);
    if (!signed_->skipped.empty())
      cleanup_.info("{}: not DKIM-signed: {}", m->envelope.queue_id, signed_->skipped);
  }
  in_memory_.insert(m->envelope.queue_id);
  std::unique_lock lock(commit_mu_);
  pending_.push_back({std::move(m), std::move(done)});
  if (committing_) return;  // the commit loop takes it with the next batch
  committing_ = true;
  lock.unlock();
  start_commit();
}

// header_checks(5) at cleanup. The content edits are in `m` already; here the tables'
// verdict happens: refuse, discard, hold, redirect, filter, add BCC recipients.
bool QueueManager::run_checks(Message& m, const Done& done) {
  const auto& s = *settings_;
  Envelope& e = m.envelope;
  auto out = run_content_checks(m, s.content_checks);
  if (!out) {
    cleanup_.warning("{}: {} -- message not accepted, try again later", e.queue_id, out.error().message);
    if (done) done({Status(out.error())});
    return false;
  }
  for (const auto& w : out->warnings) cleanup_.warning("{}", w);
  for (const auto& l : out->log) cleanup_.info("{}", l);
  if (!out->reject.empty()) {
    if (e.client.protocol == "LOCAL") bounce_refused(m, out->reject);  // sendmail has gone
    if (done) done({ok_status(), out->reject});
    return false;
  }
  if (out->discard) {  // the client hears 250: Postfix's "claim successful delivery"
    if (done) done({});
    return false;
  }
  e.hold |= out->hold;
  if (!out->redirect.empty()) redirect_recipients(e, out->redirect);
  else if (!out->filter.empty()) e.filter = out->filter;
  for (const auto& bcc : out->bcc) {
    if (auto st = add_bcc(s.rewriter, e, bcc); !st) {
      cleanup_.warning("{}: BCC {}: {}", e.queue_id, printable(bcc), st.error().message);
      if (done) done({st});
      return false;
    }
  }
  return true;
}

// A local submission that header/body checks refused: sendmail is gone, so the sender
// hears it as a bounce (Postfix's cleanup bounces it too).
void QueueManager::bounce_refused(const Message& m, const std::string& reply) {
  const auto& s = *settings_;
  const Envelope& e = m.envelope;
  if (e.sender.empty() || e.sender == s.double_bounce_sender) return;
  std::string_view text = std::string_view(reply).substr(std::min<size_t>(4, reply.size()));
  std::string status(text.substr(0, text.find(' ')));
  std::vector<DsnRecipient> dr;
  for (const auto& r : e.recipients)
    if (!(r.notify & notify_never))
      dr.push_back({r.address, r.orcpt, status, "X-Tern; " + std::string(text), "", std::string(text)});
  if (dr.empty()) return;
  DsnOptions opt{s.myhostname, s.cfg->params.mail_name, make_queue_id(), e.sender, e.ret == "HDRS", now_seconds()};
  queue_notice(make_dsn(DsnKind::failure, m, dr, opt), e.queue_id, "sender non-delivery notification");
}

// Group commit: what arrived while the previous batch was being made durable goes to disk
// together in one batch, and each sender hears back only when its batch is on disk. The
// commit executor takes the next batch itself as soon as one is on disk: waiting for the
// main executor to hear of it first left the disk idle while main was busy (measured: a
// mean 24 ms between batches at 100 sessions, against 4 ms of fsyncs per batch).
void QueueManager::start_commit() {
  ex_.commit([this] {
    for (;;) {
      auto batch = std::make_shared<std::vector<Pending>>();
      {
        std::lock_guard lock(commit_mu_);
        if (pending_.empty()) {
          committing_ = false;
          return;
        }
        batch->swap(pending_);
        ++committed_unseen_;
      }
      std::vector<const Message*> msgs;
      for (const auto& p : *batch) msgs.push_back(p.msg.get());
      auto statuses = std::make_shared<std::vector<Status>>(store_.commit(msgs));
      ex_.main([this, batch, statuses] { committed(*batch, *statuses); });
    }
  });
}

void QueueManager::committed(std::vector<Pending>& batch, const std::vector<Status>& statuses) {
  {
    std::lock_guard lock(commit_mu_);
    --committed_unseen_;
  }
  // Every sender of the batch hears its reply before any of the batch is routed and
  // scheduled: the 250s leave in one go, not each after the activations before it.
  for (size_t i = 0; i < batch.size(); ++i) {
    auto& p = batch[i];
    const Status& st = statuses[i];
    if (!st) {
      qmgr_.error("{}: {}", p.msg->envelope.queue_id, st.error().message);
      in_memory_.erase(p.msg->envelope.queue_id);
    }
    if (p.done) p.done({st});
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    auto& p = batch[i];
    if (!statuses[i]) continue;
    if (p.msg->envelope.hold) {
      in_memory_.erase(p.msg->envelope.queue_id);
      qmgr_.info("{}: from=<{}>, size={}, nrcpt={} (queue hold)", p.msg->envelope.queue_id,
                 printable(p.msg->envelope.sender), p.msg->content.size(), p.msg->envelope.recipients.size());
    } else {
      activate(p.msg, QueueName::active);
    }
  }
}

void QueueManager::activate(std::shared_ptr<Message> m, QueueName where) {
  const auto& s = *settings_;
  const Envelope& e = m->envelope;
  if (active_.size() >= s.active_limit) {  // keep it on disk until there is room
    in_memory_.erase(e.queue_id);
    backlog_.emplace_back(e.queue_id, where);
    return;
  }
  in_memory_.insert(e.queue_id);
  maillog::queued(qmgr_, e.queue_id, e.sender, m->content.size(), e.recipients.size());
  uint64_t h = next_handle_++;
  Active& a = active_[h];
  a.msg = m;
  a.where = where;
  a.activated = now_seconds();
  struct Slot {
    route::Route route;
    std::vector<size_t> rcpts;
  };
  std::map<std::string, Slot> by_dest;
  std::vector<std::pair<size_t, std::string>> unroutable;
  for (size_t i = 0; i < e.recipients.size(); ++i) {
    const Recipient& r = e.recipients[i];
    if (r.state == RcptState::done || r.state == RcptState::bounced) continue;
    // A probe never goes to a content filter: it asks the real route.
    const auto& resolver = e.verify_probe ? s.probe_resolver : s.rewriter.resolver();
    auto route = e.filter.empty() || e.verify_probe
                     ? resolver.resolve(r.address, e.sender)
                     : Result<route::Route>(filter_route(e.filter, s.default_filter_nexthop, r.address));
    if (!route) {  // a table that cannot answer now: try again later
      unroutable.emplace_back(i, "address resolver failure: " + route.error().message);
      continue;
    }
    auto& slot = by_dest[destination_of(*route)];
    slot.route = std::move(*route);
    slot.rcpts.push_back(i);
  }
  for (const auto& [dest, slot] : by_dest) {
    size_t per_job = s.limits.recipients_for(slot.route.transport);
    a.jobs_left += (slot.rcpts.size() + per_job - 1) / per_job;
    scheduler_.add(h, slot.route.transport, slot.route.nexthop, dest, slot.rcpts);
  }
  a.jobs_left += unroutable.size();
  if (a.jobs_left == 0) {
    finalize(h);
    return;
  }
  for (const auto& [i, why] : unroutable) defer_job(Job{h, "", "", "", {i}}, why, "4.3.0");
  pump();
}

// ---- delivery ------------------------------------------------------------------------

void QueueManager::pump() {
  double now = now_seconds();
  for (const Job& j : scheduler_.take_throttled(now)) {
    auto it = dead_reason_.find(j.destination);
    defer_job(j, it == dead_reason_.end() ? "destination temporarily unavailable" : it->second);
  }
  while (running_ < settings_->workers) {
    auto job = scheduler_.next(now);
    if (!job) break;
    auto it = active_.find(job->message);
    if (it == active_.end()) {
      scheduler_.finished(*job, false, now);
      continue;
    }
    ++running_;
    auto settings = settings_;
    std::vector<Run> runs{{*job, it->second.msg, it->second.where, it->second.activated}};
    // More mail waiting for the same mailbox goes along in this run, and its Maildir
    // writes are flushed together (delivery/maildir_batch.hpp); the run holds one slot.
    const delivery::Agent* agent = settings->agents.find(job->transport);
    if (agent && agent->batches_maildirs())
      for (Job& more : scheduler_.take_more(*job, delivery::MaildirBatch::kMaxMessages - 1)) {
        auto m = active_.find(more.message);
        if (m == active_.end()) continue;  // gone (postsuper -d): nothing to deliver
        runs.push_back({std::move(more), m->second.msg, m->second.where, m->second.activated});
      }
    ex_.worker([this, runs = std::move(runs), settings]() mutable {
      auto results = std::make_shared<std::vector<JobResult>>(run_jobs(*settings, runs));
      ex_.main([this, runs = std::move(runs), results] {
        --running_;
        bool failed = false;
        for (const JobResult& r : *results) failed = failed || r.destination_failed;
        scheduler_.finished(runs.front().job, failed, now_seconds());
        for (size_t i = 0; i < runs.size(); ++i) job_done(runs[i].job, std::move((*results)[i]));
        pump();
      });
    });
  }
}

// Runs on a worker: the jobs one after another; with more than one, their Maildir writes
// are queued and made durable together before any outcome is logged or recorded.
std::vector<QueueManager::JobResult> QueueManager::run_jobs(const ManagerSettings& s, const std::vector<Run>& runs) {
  std::vector<JobResult> out;
  if (runs.size() == 1) {
    const Run& r = runs.front();
    double start = now_seconds();
    Attempt a = attempt(s, *r.msg, r.job, r.activated);
    out.push_back(account(*r.msg, r.where, r.job, r.activated, start, std::move(a)));
    return out;
  }
  std::vector<std::pair<double, Attempt>> attempts;
  std::map<std::string, std::string> failed;
  {
    delivery::MaildirBatch batch;
    for (const Run& r : runs) {
      double start = now_seconds();
      attempts.emplace_back(start, attempt(s, *r.msg, r.job, r.activated));
    }
    failed = batch.commit();
  }
  double end = now_seconds();
  for (size_t i = 0; i < runs.size(); ++i) {
    Attempt& a = attempts[i].second;
    a.end = end;  // each job's deliveries are done only once the batch is on disk
    for (auto& res : a.outcome.results) {
      if (res.pending_maildir.empty()) continue;
      auto f = failed.find(res.pending_maildir);
      if (f != failed.end())
        res = delivery::DeliveryResult::defer("4.2.0", "maildir delivery failed: " + f->second, res.relay, res.recipient);
      res.pending_maildir.clear();
    }
    out.push_back(account(*runs[i].msg, runs[i].where, runs[i].job, runs[i].activated, attempts[i].first,
                          std::move(a)));
  }
  return out;
}

// Runs on a worker: hands the job to its transport's agent.
QueueManager::Attempt QueueManager::attempt(const ManagerSettings& s, const Message& m, const Job& job,
                                            double activated) {
  Attempt a;
  const Envelope& e = m.envelope;
  if (const delivery::Agent* agent = s.agents.find(job.transport)) {
    delivery::Request req{m, job.recipients, job.transport, job.nexthop, activated};
    req.resubmit = [this](Message fwd) { return resubmit(std::move(fwd)); };
    req.agents = &s.agents;
    req.privileged = privileged_;
    a.outcome = agent->deliver(req);
    a.logger = &agent_logger(job.transport);
  } else {
    a.outcome.destination_failed = true;
    for (size_t idx : job.recipients) {
      auto res = delivery::DeliveryResult::defer("4.3.0", s.agents.unavailable_reason(job.transport), "none",
                                                 e.recipients[idx].address);
      res.index = idx;
      a.outcome.results.push_back(std::move(res));
    }
  }
  a.end = now_seconds();
  return a;
}

// Runs on a worker: logs each outcome of an attempt and appends it to the queue file at
// once (so a crash repeats at most this delivery).
QueueManager::JobResult QueueManager::account(const Message& m, QueueName where, const Job& job,
                                              double activated, double start, Attempt a) {
  JobResult out;
  const Envelope& e = m.envelope;
  double end = a.end;
  const delivery::Outcome& outcome = a.outcome;
  const log::Logger* logger = a.logger ? a.logger : &qmgr_;
  out.destination_failed = outcome.destination_failed;
  // Per envelope recipient, the outcome that counts: one recipient expanding to several
  // (aliases) is deferred if any part deferred, else bounced if any bounced.
  std::map<size_t, RcptResult> by_rcpt;
  for (const auto& res : outcome.results) {
    const Recipient& r = e.recipients.at(res.index);
    maillog::Delivery d;
    d.to = res.recipient;
    d.orig_to = r.original_or_address();
    d.relay = res.relay;
    d.dsn = res.dsn;
    d.text = res.text;
    if (e.verify_probe)  // as Postfix logs probes: any failure is "undeliverable" (dsn= tells which)
      d.status = res.kind == res.sent ? "deliverable" : "undeliverable";
    else
      d.status = res.kind == res.sent ? "sent" : res.kind == res.deferred ? "deferred" : "bounced";
    d.delays[0] = std::max(0.0, activated - e.arrival);
    d.delays[1] = std::max(0.0, start - activated);
    d.delays[3] = end - start;
    if (res.setup >= 0) {
      d.delays[2] = res.setup;
      d.delays[3] = std::max(0.0, res.transmit);
    }
    d.delay = end - e.arrival;
    maillog::delivery(*logger, e.queue_id, d);
    // A probe keeps what the accepting agent said, for the verify cache.
    std::string said = e.verify_probe && res.kind == res.sent ? res.text : "";
    auto [it, fresh] = by_rcpt.try_emplace(res.index, RcptResult{res.index, RcptState::done, said, "2.0.0", r.address});
    RcptResult& rr = it->second;
    if (res.kind == res.sent) rr.dsn_passed_on = res.dsn_passed_on && (fresh || rr.dsn_passed_on);
    if (res.kind == res.deferred) rr = {res.index, RcptState::deferred, res.text, res.dsn, res.recipient};
    else if (res.kind == res.bounced && rr.state != RcptState::deferred)
      rr = {res.index, RcptState::bounced, res.text, res.dsn, res.recipient};
  }
  for (size_t idx : job.recipients) {
    auto it = by_rcpt.find(idx);
    if (it == by_rcpt.end()) {  // an agent that forgot a recipient: never lose it
      qmgr_.warning("{}: transport {} gave no outcome for recipient {}", e.queue_id, job.transport, idx);
      it = by_rcpt.emplace(idx, RcptResult{idx, RcptState::deferred, "delivery agent gave no outcome", "4.3.0",
                                           e.recipients[idx].address}).first;
    }
    RcptResult& rr = it->second;
    // One recipient: removing the file records the success; otherwise append it now.
    if (e.recipients.size() > 1 || rr.state != RcptState::done)
      if (auto st = store_.record_outcome(e.queue_id, where, idx, rr.state, end, rr.reason, rr.dsn); !st)
        qmgr_.warning("{}: {}", e.queue_id, st.error().message);
    out.rcpts.push_back(std::move(rr));
  }
  return out;
}

// Delivery lines are logged under the transport's name, as Postfix's agents log
// ("postfix/smtp[…]", "postfix/local[…]").
const log::Logger& QueueManager::agent_logger(const std::string& transport) {
  std::lock_guard lock(loggers_mutex_);
  auto& l = agent_loggers_[transport];
  if (!l) l = std::make_unique<log::Logger>(transport);
  return *l;
}

// The scheduler has heard of the run's end already (pump); this applies one job's outcome.
void QueueManager::job_done(const Job& job, JobResult r) {
  if (r.destination_failed && !r.rcpts.empty()) dead_reason_[job.destination] = r.rcpts.front().reason;
  auto it = active_.find(job.message);
  if (it == active_.end()) return;
  Active& a = it->second;
  for (auto& rr : r.rcpts) {
    Recipient& rc = a.msg->envelope.recipients[rr.index];
    rc.state = rr.state;
    rc.reason = rr.reason;
    rc.dsn = rr.dsn;
    if (rr.state == RcptState::bounced) a.bounced_now.push_back(rr.index);
    if (rr.state == RcptState::done && !rr.dsn_passed_on) a.delivered_now.push_back(rr.index);
  }
  if (--a.jobs_left == 0) finalize(job.message);
}

// A job for a throttled destination: deferred without trying, with the reason it failed.
void QueueManager::defer_job(const Job& job, const std::string& reason, const std::string& dsn) {
  auto it = active_.find(job.message);
  if (it == active_.end()) return;
  Active& a = it->second;
  const Envelope& e = a.msg->envelope;
  double now = now_seconds();
  for (size_t idx : job.recipients) {
    Recipient& rc = a.msg->envelope.recipients[idx];
    rc.state = RcptState::deferred;
    rc.reason = reason;
    rc.dsn = dsn;
    maillog::Delivery d{rc.address, rc.original_or_address(), "none", dsn,
                        e.verify_probe ? "undeliverable" : "deferred", reason};
    d.delay = now - e.arrival;
    d.delays[0] = std::max(0.0, a.activated - e.arrival);
    d.delays[1] = std::max(0.0, now - a.activated);
    maillog::delivery(qmgr_, e.queue_id, d);
    (void)store_.record_outcome(e.queue_id, a.where, idx, rc.state, now, reason, rc.dsn);
  }
  if (--a.jobs_left == 0) finalize(job.message);
}

// ---- the end of an attempt -----------------------------------------------------------

void QueueManager::finalize(uint64_t handle) {
  auto node = active_.extract(handle);
  Active& a = node.mapped();
  Message& m = *a.msg;
  Envelope& e = m.envelope;
  const auto& s = *settings_;
  if (e.verify_probe) return finish_probe(a);
  double now = now_seconds();
  std::vector<size_t> deferred;
  for (size_t i = 0; i < e.recipients.size(); ++i)
    if (e.recipients[i].state == RcptState::deferred || e.recipients[i].state == RcptState::pending)
      deferred.push_back(i);
  // Expiry: too old (or postsuper -f) — the deferred recipients are returned to the sender.
  double lifetime = e.sender.empty() ? s.bounce_lifetime : s.max_lifetime;
  if (!deferred.empty() && (e.forced_expire || now - e.arrival > lifetime)) {
    qmgr_.info("{}: from=<{}>, status=expired, returned to sender", e.queue_id, printable(e.sender));
    for (size_t i : deferred) {
      Recipient& r = e.recipients[i];
      r.state = RcptState::bounced;
      if (r.dsn.empty() || r.dsn[0] != '4') r.dsn = "4.4.7";
      r.reason = "message expired after " + std::to_string(long(now - e.arrival)) + " seconds" +
                 (r.reason.empty() ? "" : ": " + r.reason);
      (void)store_.record_outcome(e.queue_id, a.where, i, r.state, now, r.reason, r.dsn);
      a.bounced_now.push_back(i);
    }
    deferred.clear();
  }
  if (!a.bounced_now.empty()) notify_sender(a, DsnKind::failure, a.bounced_now);
  if (!a.delivered_now.empty()) {
    std::vector<size_t> asked;
    for (size_t i : a.delivered_now)
      if (e.recipients[i].notify & notify_success) asked.push_back(i);
    if (!asked.empty()) notify_sender(a, DsnKind::success, asked);
  }
  if (!deferred.empty() && s.delay_warning > 0 && !e.delay_warned && now - e.arrival >= s.delay_warning) {
    std::vector<size_t> asked;
    for (size_t i : deferred) {
      uint8_t n = e.recipients[i].notify;
      if (n == 0 || (n & notify_delay)) asked.push_back(i);
    }
    if (!asked.empty()) notify_sender(a, DsnKind::delay, asked);
    if (s.notify.count("delay") && !e.sender.empty() && e.sender != s.double_bounce_sender)
      notify_postmaster(m, DsnKind::delay, deferred, s.delay_notice, "postmaster delay notification");
    e.delay_warned = true;
    (void)store_.append(e.queue_id, a.where, encode_delay_warned(now));
  }
  if (deferred.empty()) {
    if (auto st = store_.remove(e.queue_id, a.where); !st) qmgr_.warning("{}: {}", e.queue_id, st.error().message);
    maillog::removed(qmgr_, e.queue_id);
  } else {
    double next = next_attempt(e.arrival, now, s.backoff);
    if (auto st = store_.move(e.queue_id, a.where, QueueName::deferred, next); !st)
      qmgr_.warning("{}: {}", e.queue_id, st.error().message);
  }
  in_memory_.erase(e.queue_id);
  while (!backlog_.empty() && active_.size() < s.active_limit) {
    auto [id, q] = backlog_.front();
    backlog_.pop_front();
    load_and_activate(id, q);
  }
}

// A probe after its one attempt: each address it was sent for gets the outcome that counts
// (undeliverable if any part bounced, else deferred if any part deferred, else ok: an
// alias is deliverable only if all of it is), the verify cache hears it, the file goes.
void QueueManager::finish_probe(Active& a) {
  Envelope& e = a.msg->envelope;
  std::map<std::string, std::pair<policy::VerifyStatus, std::string>> by_address;
  auto rank = [](policy::VerifyStatus s) { return s == policy::VerifyStatus::undeliverable ? 2 : s == policy::VerifyStatus::deferred; };
  for (const auto& r : e.recipients) {
    auto status = r.state == RcptState::done      ? policy::VerifyStatus::ok
                  : r.state == RcptState::bounced ? policy::VerifyStatus::undeliverable
                                                  : policy::VerifyStatus::deferred;
    std::string text = r.state == RcptState::done && r.reason.empty() ? "deliverable" : r.reason;
    auto [it, fresh] = by_address.try_emplace(lower(r.original_or_address()), status, text);
    if (!fresh && rank(status) > rank(it->second.first)) it->second = {status, std::move(text)};
  }
  for (auto& [address, result] : by_address)
    if (verifier_) verifier_->record(address, result.first, std::move(result.second));
  if (auto st = store_.remove(e.queue_id, a.where); !st) qmgr_.warning("{}: {}", e.queue_id, st.error().message);
  maillog::removed(qmgr_, e.queue_id);
  in_memory_.erase(e.queue_id);
  const auto& s = *settings_;
  while (!backlog_.empty() && active_.size() < s.active_limit) {
    auto [id, q] = backlog_.front();
    backlog_.pop_front();
    load_and_activate(id, q);
  }
}

// A DSN to the sender for `rcpts` (failure: those that asked for it or gave no NOTIFY).
// With VERP each recipient's notice goes to its own return address.
void QueueManager::notify_sender(Active& a, DsnKind kind, const std::vector<size_t>& rcpts) {
  const auto& s = *settings_;
  Message& m = *a.msg;
  const Envelope& e = m.envelope;
  std::vector<size_t> wanted;
  for (size_t i : rcpts) {
    uint8_t n = e.recipients[i].notify;
    if (n & notify_never) continue;
    if (kind == DsnKind::failure && n != 0 && !(n & notify_failure)) continue;
    wanted.push_back(i);
  }
  if (kind == DsnKind::failure && s.notify.count("bounce") && !e.sender.empty() &&
      e.sender != s.double_bounce_sender)
    notify_postmaster(m, DsnKind::failure, rcpts, s.bounce_notice, "postmaster non-delivery notification");
  if (wanted.empty()) return;
  if (e.sender == s.double_bounce_sender) {
    bounce_.info("{}: discarding a notice about a postmaster notice", e.queue_id);
    return;
  }
  if (e.sender.empty()) {  // a notice that could not be delivered: the double bounce
    if (kind == DsnKind::failure && s.notify.count("2bounce"))
      notify_postmaster(m, DsnKind::failure, wanted, s.two_bounce_notice, "postmaster non-delivery notification");
    else
      bounce_.info("{}: undeliverable notification discarded (no postmaster copy: notify_classes has no 2bounce)", e.queue_id);
    return;
  }
  const char* what = kind == DsnKind::failure ? "sender non-delivery notification"
                     : kind == DsnKind::delay ? "sender delay notification"
                                              : "sender delivery status notification";
  auto one = [&](const std::vector<size_t>& group, const std::string& to) {
    std::vector<DsnRecipient> dr;
    for (size_t i : group) {
      const Recipient& r = e.recipients[i];
      dr.push_back({r.address, r.orcpt, r.dsn.empty() ? (kind == DsnKind::success ? "2.0.0" : "5.0.0") : r.dsn,
                    "X-Tern; " + r.reason, "", r.reason});
      if (kind == DsnKind::success) dr.back().diagnostic = "X-Tern; delivered";
    }
    DsnOptions opt{s.myhostname, s.cfg->params.mail_name, make_queue_id(), to, e.ret == "HDRS", now_seconds()};
    queue_notice(make_dsn(kind, m, dr, opt), e.queue_id, what);
  };
  if (!e.verp.empty() && !s.disable_verp_bounces) {
    for (size_t i : wanted) one({i}, route::verp_sender(e.sender, e.recipients[i].address, e.verp));
  } else {
    one(wanted, e.sender);
  }
}

void QueueManager::notify_postmaster(const Message& m, DsnKind kind, const std::vector<size_t>& rcpts,
                                     const std::string& to, const char* what) {
  const auto& s = *settings_;
  std::vector<DsnRecipient> dr;
  for (size_t i : rcpts) {
    const Recipient& r = m.envelope.recipients[i];
    dr.push_back({r.address, r.orcpt, r.dsn.empty() ? "5.0.0" : r.dsn, "X-Tern; " + r.reason, "", r.reason});
  }
  DsnOptions opt{s.myhostname, s.cfg->params.mail_name, make_queue_id(), to, true, now_seconds()};
  Message n = make_dsn(kind, m, dr, opt);
  n.envelope.sender = s.double_bounce_sender;  // a notice about it is discarded, not looped
  queue_notice(std::move(n), m.envelope.queue_id, what);
}

void QueueManager::queue_notice(Message m, const std::string& about_id, const std::string& what) {
  std::string id = m.envelope.queue_id;
  bounce_.info("{}: {}: {}", about_id, what, id);
  submit(std::make_shared<Message>(std::move(m)), nullptr, false);
}

// Runs on a worker thread, which may block: the submission itself runs on the main
// executor like any other, and the worker waits for its group commit. The forwarding
// delivery succeeds only once the copy is on disk (at-least-once, as local(8) waits for
// cleanup). Bounded, so a main executor that never answers defers instead of hanging.
Result<std::string> QueueManager::resubmit(Message m) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto done = promise->get_future();
  m.envelope.queue_id = make_queue_id();
  std::string id = m.envelope.queue_id;
  auto msg = std::make_shared<Message>(std::move(m));
  ex_.main([this, msg, promise] {
    submit(msg, [promise](const Submitted& r) { promise->set_value(r.status); }, false);
  });
  if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready)
    return Error{"the queue did not confirm the forwarded copy within 60 seconds"};
  Status st = done.get();
  if (!st) return st.error();
  return id;
}

// ---- recovery, queue runs, flush, pickup ---------------------------------------------

void QueueManager::load_and_activate(const std::string& id, QueueName q) {
  if (in_memory_.count(id)) return;
  auto pf = store_.load(id, q);
  if (pf.status == ParseStatus::unsealed && q != QueueName::deferred) {
    qmgr_.warning("{}: removing incomplete queue file (never acknowledged): {}", id, pf.error);
    (void)store_.remove(id, q);
    return;
  }
  if (pf.status != ParseStatus::ok) {
    qmgr_.warning("{}: corrupt queue file moved to corrupt/: {}", id, pf.error.empty() ? "unreadable" : pf.error);
    (void)store_.move(id, q, QueueName::corrupt);
    return;
  }
  if (pf.message.envelope.queue_id != id) {
    qmgr_.warning("{}: queue file names another ID; moved to corrupt/", id);
    (void)store_.move(id, q, QueueName::corrupt);
    return;
  }
  activate(std::make_shared<Message>(std::move(pf.message)), q);
}

void QueueManager::move_deferred_to_active(const std::string& id) {
  if (in_memory_.count(id)) return;
  if (auto st = store_.move(id, QueueName::deferred, QueueName::active); !st) return;
  load_and_activate(id, QueueName::active);
}

void QueueManager::recover() {
  for (QueueName q : {QueueName::incoming, QueueName::active})
    for (const auto& ref : store_.list(q)) load_and_activate(ref.id, q);
  pickup();
  queue_run();
}

void QueueManager::rescan() {
  for (QueueName q : {QueueName::incoming, QueueName::active})
    for (const auto& ref : store_.list(q)) load_and_activate(ref.id, q);
}

void QueueManager::queue_run() {
  double now = now_seconds();
  for (const auto& ref : store_.list(QueueName::deferred))
    if (ref.next_attempt <= now) move_deferred_to_active(ref.id);
}

void QueueManager::flush_all() {
  scheduler_.revive_all();
  dead_reason_.clear();
  for (const auto& ref : store_.list(QueueName::deferred)) move_deferred_to_active(ref.id);
}

void QueueManager::flush_site(const std::string& domain) {
  scheduler_.revive_all();
  for (const auto& ref : store_.list(QueueName::deferred)) {
    auto pf = store_.load(ref.id, QueueName::deferred);
    if (pf.status != ParseStatus::ok) continue;
    for (const auto& r : pf.message.envelope.recipients) {
      if (r.state != RcptState::deferred && r.state != RcptState::pending) continue;
      if (iequals(smtp::split_address(r.address).domain, domain)) {
        move_deferred_to_active(ref.id);
        break;
      }
    }
  }
}

Status QueueManager::flush_id(const std::string& id) {
  scheduler_.revive_all();
  if (in_memory_.count(id)) return ok_status();  // being delivered right now
  for (const auto& ref : store_.list(QueueName::deferred))
    if (ref.id == id) {
      move_deferred_to_active(id);
      return ok_status();
    }
  return Error{id + ": no such deferred message"};
}

// maildrop/: sealed queue files written by sendmail. Each gets a fresh queue ID, goes
// through cleanup and the same group commit as SMTP mail, and its drop file is removed
// only once the new file is durable.
void QueueManager::pickup() {
  std::string dir = settings_->cfg->params.queue_directory + "/" + kMaildrop;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (dirent* ent = ::readdir(d))
    if (ent->d_name[0] != '.') names.emplace_back(ent->d_name);
  ::closedir(d);
  for (const auto& name : names) {
    std::string path = dir + "/" + name;
    if (in_memory_.count("maildrop/" + name)) continue;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    auto text = read_file(path);
    ParsedFile pf = text ? parse_queue_file(*text) : ParsedFile{};
    if (!text || pf.status != ParseStatus::ok) {
      pickup_.warning("{}: bad maildrop file ({}); moved to corrupt/",
                      name, text ? pf.error : text.error().message);
      std::string to = settings_->cfg->params.queue_directory + "/corrupt/" + make_queue_id();
      if (::rename(path.c_str(), to.c_str()) != 0) ::unlink(path.c_str());
      continue;
    }
    auto m = std::make_shared<Message>(std::move(pf.message));
    Envelope& e = m->envelope;
    e.queue_id = make_queue_id();
    e.client = ClientInfo{"localhost", "127.0.0.1", 0, "", "LOCAL"};
    for (auto& r : e.recipients) r.state = RcptState::pending;
    pickup_.info("{}: uid={} from=<{}>", e.queue_id, (long)st.st_uid, printable(e.sender));
    in_memory_.insert("maildrop/" + name);
    settings_->pickup_overrides.mark(e);
    e.filter = settings_->pickup_filter;
    submit(m, [this, path, name](const Submitted& s) {  // a refusal was bounced to the sender
      in_memory_.erase("maildrop/" + name);
      if (s.status) ::unlink(path.c_str());
    }, true, true);
  }
}

}  // namespace tern::queue
