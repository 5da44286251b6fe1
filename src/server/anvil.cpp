// Client event accounting and the smtpd rate limits; see anvil.hpp.
#include "server/anvil.hpp"

#include <ctime>

namespace tern::server {

namespace {

uint32_t limit_of(long long v) { return v > 0 ? uint32_t(std::min<long long>(v, UINT32_MAX)) : 0; }

// "Dec  7 15:10:00", as Postfix's anvil prints the time (ctime() without weekday and year).
std::string stat_time(double when) {
  std::time_t t = std::time_t(when);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%b %e %H:%M:%S", &tm);
  return buf;
}

}  // namespace

RateLimits RateLimits::from(const config::Params& p) {
  RateLimits l;
  l.concurrency = limit_of(p.smtpd_client_connection_count_limit);
  l.rate[size_t(RateEvent::connection)] = limit_of(p.smtpd_client_connection_rate_limit);
  l.rate[size_t(RateEvent::message)] = limit_of(p.smtpd_client_message_rate_limit);
  l.rate[size_t(RateEvent::recipient)] = limit_of(p.smtpd_client_recipient_rate_limit);
  l.rate[size_t(RateEvent::new_tls)] = limit_of(p.smtpd_client_new_tls_session_rate_limit);
  l.rate[size_t(RateEvent::auth)] = limit_of(p.smtpd_client_auth_rate_limit);
  return l;
}

Anvil::Anvil(double time_unit, size_t max_clients)
    : unit_(time_unit > 0 ? time_unit : 1), max_clients_(std::max<size_t>(max_clients, 1)) {}

// A new time unit begins with the first event after the current one is over (Postfix:
// start + anvil_rate_time_unit < now).
bool Anvil::over(const Client& c, double now) const { return c.start == 0 || now - c.start > unit_; }

void Anvil::tick(Client& c, double now) const {
  if (over(c, now)) {
    c.start = now;
    c.rate.fill(0);
  }
}

void Anvil::note(Peak& p, uint32_t value, const Client& c, double now) {
  if (value <= p.value) return;
  p.value = value;
  p.when = now;
  if (p.who != &c || p.ident.empty()) p.ident = *c.ident;  // copied only when the leader changes
  p.who = &c;
}

Anvil::Client& Anvil::connect(std::string_view service, std::string_view addr, double now) {
  if (now >= next_sweep_) {
    sweep(now);
    next_sweep_ = now + unit_;
  }
  key_.assign(service);
  key_ += ':';
  key_ += addr;
  auto it = clients_.find(std::string_view(key_));
  if (it == clients_.end()) {
    if (clients_.size() >= max_clients_) make_room(now);
    it = clients_.emplace(key_, Client{}).first;
    it->second.ident = &it->first;
    if (clients_.size() > max_cache_) {
      max_cache_ = clients_.size();
      max_cache_when_ = now;
    }
  }
  Client& c = it->second;
  ++c.concurrent;
  note(max_count_, c.concurrent, c, now);
  record(c, RateEvent::connection, now);
  return c;
}

void Anvil::disconnect(Client& c, double now) {
  if (c.concurrent) --c.concurrent;
  if (c.concurrent == 0 && over(c, now)) {
    for (auto& p : max_rate_)
      if (p.who == &c) p.who = nullptr;
    if (max_count_.who == &c) max_count_.who = nullptr;
    clients_.erase(*c.ident);
  }
}

uint32_t Anvil::record(Client& c, RateEvent e, double now) {
  tick(c, now);
  uint32_t& n = c.rate[size_t(e)];
  if (n < UINT32_MAX) ++n;
  note(max_rate_[size_t(e)], n, c, now);
  return n;
}

uint32_t Anvil::peek(const Client& c, RateEvent e, double now) const {
  if (over(c, now)) return 0;
  return c.rate[size_t(e)];
}

void Anvil::sweep(double now) {
  std::erase_if(clients_, [&](auto& kv) {
    const Client& c = kv.second;
    if (c.concurrent != 0 || !over(c, now)) return false;
    for (auto& p : max_rate_)
      if (p.who == &c) p.who = nullptr;
    if (max_count_.who == &c) max_count_.who = nullptr;
    return true;
  });
}

// The table is full of clients seen within the time unit: forget idle ones (their rates
// start over if they come back) until a tenth of the room is free. Clients with open
// connections stay; the connection limits keep those few.
void Anvil::make_room(double now) {
  sweep(now);
  size_t target = max_clients_ - max_clients_ / 10 - 1;
  for (auto it = clients_.begin(); it != clients_.end() && clients_.size() > target;) {
    if (it->second.concurrent == 0) {
      for (auto& p : max_rate_)
        if (p.who == &it->second) p.who = nullptr;
      if (max_count_.who == &it->second) max_count_.who = nullptr;
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<std::string> Anvil::statistics() {
  std::vector<std::string> out;
  int unit = int(unit_);
  auto rate_line = [&](RateEvent e, const char* what) {
    Peak& p = max_rate_[size_t(e)];
    if (p.value > 0)
      out.push_back("statistics: max " + std::string(what) + " " + std::to_string(p.value) + "/" +
                    std::to_string(unit) + "s for (" + p.ident + ") at " + stat_time(p.when));
    p = Peak{};
  };
  rate_line(RateEvent::connection, "connection rate");
  if (max_count_.value > 0)
    out.push_back("statistics: max connection count " + std::to_string(max_count_.value) + " for (" +
                  max_count_.ident + ") at " + stat_time(max_count_.when));
  max_count_ = Peak{};
  rate_line(RateEvent::message, "message rate");
  rate_line(RateEvent::recipient, "recipient rate");
  rate_line(RateEvent::new_tls, "newtls rate");
  rate_line(RateEvent::auth, "auth rate");
  if (max_cache_ > 0)
    out.push_back("statistics: max cache size " + std::to_string(max_cache_) + " at " + stat_time(max_cache_when_));
  max_cache_ = 0;
  return out;
}

std::optional<ClientRates::Refusal> ClientRates::refuse(RateEvent e, const ClientInfo& who,
                                                        std::string_view service, const log::Logger& log,
                                                        double now) {
  if (!client_) return std::nullopt;
  uint32_t n = anvil_->record(*client_, e, now);
  uint32_t limit = limits_->rate[size_t(e)];
  if (limit == 0 || n <= limit) return std::nullopt;
  const char* warning = "";
  const char* what = "";
  switch (e) {
    case RateEvent::message: warning = "Message delivery request rate limit exceeded"; what = "much mail"; break;
    case RateEvent::recipient: warning = "Recipient address rate limit exceeded"; what = "many recipients"; break;
    case RateEvent::auth: warning = "AUTH command rate limit exceeded"; what = "many AUTH commands"; break;
    case RateEvent::connection:
    case RateEvent::new_tls: return std::nullopt;  // admitted at accept, and by count_new_tls()
  }
  Refusal r{{450, smtp::Status::not_authorized, std::string("Error: too ") + what + " from " + who.addr},
            fmt::format("{}: {} from {} for service {}", warning, n, who.log_name(), service)};
  log.warning("{}", r.warning);
  return r;
}

std::optional<ClientRates::Refusal> ClientRates::refuse_starttls(const ClientInfo& who,
                                                                 std::string_view service,
                                                                 const log::Logger& log, double now) {
  if (!client_) return std::nullopt;
  uint32_t limit = limits_->rate[size_t(RateEvent::new_tls)];
  if (limit == 0 || anvil_->peek(*client_, RateEvent::new_tls, now) < limit) return std::nullopt;
  Refusal r{{454, smtp::Status::security, "Error: too many new TLS sessions from " + who.addr},
            fmt::format("Refusing STARTTLS request from {} for service {}", who.log_name(), service)};
  log.warning("{}", r.warning);
  return r;
}

std::optional<ClientRates::Refusal> ClientRates::count_new_tls(bool resumed, const ClientInfo& who,
                                                               std::string_view service,
                                                               const std::string& myhostname,
                                                               const log::Logger& log, double now) {
  if (!client_ || resumed) return std::nullopt;
  uint32_t n = anvil_->record(*client_, RateEvent::new_tls, now);
  uint32_t limit = limits_->rate[size_t(RateEvent::new_tls)];
  if (limit == 0 || n <= limit) return std::nullopt;
  Refusal r{{421, smtp::Status::security, myhostname + " Error: too many new TLS sessions from " + who.addr},
            fmt::format("New TLS session rate limit exceeded: {} from {} for service {}", n, who.log_name(), service)};
  log.warning("{}", r.warning);
  return r;
}

}  // namespace tern::server
