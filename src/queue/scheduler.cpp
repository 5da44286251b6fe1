// Scheduling; see scheduler.hpp.
#include "queue/scheduler.hpp"

#include <algorithm>

namespace tern::queue {

double next_attempt(double arrival, double now, const Backoff& b) {
  double age = now - arrival;
  double wait = std::clamp(age, b.minimal, std::max(b.minimal, b.maximal));
  return now + wait;
}

size_t SchedulerLimits::concurrency_for(const std::string& transport) const {
  if (one_at_a_time.count(transport)) return 1;
  auto it = concurrency.find(transport);
  return std::max<size_t>(1, it == concurrency.end() ? default_concurrency : it->second);
}

size_t SchedulerLimits::recipients_for(const std::string& transport) const {
  auto it = recipients.find(transport);
  return std::max<size_t>(1, it == recipients.end() ? default_recipients : it->second);
}

void Scheduler::add(uint64_t message, const std::string& transport, const std::string& nexthop,
                    const std::string& destination, const std::vector<size_t>& recipients) {
  Destination& d = dests_[destination];
  if (!d.in_turn) {
    turn_.push_back(destination);
    d.in_turn = true;
  }
  size_t per_job = limits_.recipients_for(transport);
  for (size_t i = 0; i < recipients.size(); i += per_job) {
    Job j{message, destination, transport, nexthop, {}};
    j.recipients.assign(recipients.begin() + long(i),
                        recipients.begin() + long(std::min(recipients.size(), i + per_job)));
    d.waiting.push_back(std::move(j));
  }
}

std::optional<Job> Scheduler::next(double now) {
  for (size_t tries = turn_.size(); tries > 0; --tries) {
    std::string name = std::move(turn_.front());
    turn_.pop_front();
    Destination& d = dests_[name];
    if (d.waiting.empty()) {
      d.in_turn = false;
      continue;
    }
    bool ready = d.dead_until <= now && d.running < limits_.concurrency_for(d.waiting.front().transport);
    if (!ready) {
      turn_.push_back(std::move(name));
      continue;
    }
    Job j = std::move(d.waiting.front());
    d.waiting.pop_front();
    ++d.running;
    ++running_total_;
    if (!d.waiting.empty()) turn_.push_back(std::move(name));
    else d.in_turn = false;
    return j;
  }
  return std::nullopt;
}

std::vector<Job> Scheduler::take_more(const Job& job, size_t max) {
  std::vector<Job> out;
  auto it = dests_.find(job.destination);
  if (it == dests_.end()) return out;
  auto& waiting = it->second.waiting;
  while (out.size() < max && !waiting.empty()) {
    out.push_back(std::move(waiting.front()));
    waiting.pop_front();
  }
  return out;  // an emptied destination leaves turn_ when next() comes to it
}

void Scheduler::finished(const Job& job, bool destination_failed, double now) {
  auto it = dests_.find(job.destination);
  if (it == dests_.end()) return;
  Destination& d = it->second;
  if (d.running) --d.running;
  if (running_total_) --running_total_;
  if (destination_failed) d.dead_until = now + limits_.dead_time;
  if (d.running == 0 && d.waiting.empty() && d.dead_until <= now && !d.in_turn) dests_.erase(it);
}

void Scheduler::revive_all() {
  for (auto& [name, d] : dests_) d.dead_until = 0;
}

std::vector<Job> Scheduler::take_throttled(double now) {
  std::vector<Job> out;
  for (auto& [name, d] : dests_) {
    if (d.dead_until <= now) continue;
    while (!d.waiting.empty()) {
      out.push_back(std::move(d.waiting.front()));
      d.waiting.pop_front();
    }
  }
  return out;
}

size_t Scheduler::waiting() const {
  size_t n = 0;
  for (const auto& [name, d] : dests_) n += d.waiting.size();
  return n;
}

bool Scheduler::throttled(const std::string& destination, double now) const {
  auto it = dests_.find(destination);
  return it != dests_.end() && it->second.dead_until > now;
}

}  // namespace tern::queue
