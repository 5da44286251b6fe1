#include "dns/memory_resolver.hpp"

#include <fmt/format.h>

#include "base/net.hpp"
#include "base/strings.hpp"
#include "dns/rdata.hpp"

namespace tern::dns {

namespace {

std::string key_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return lower(name);
}

// `"part one" "part two"` as a zone file writes TXT; unquoted text is one string.
std::vector<std::string> txt_parts(std::string_view v) {
  std::vector<std::string> parts;
  v = trim(v);
  if (v.empty() || v.front() != '"') {
    for (size_t i = 0; i < v.size(); i += 255) parts.emplace_back(v.substr(i, 255));
    if (parts.empty()) parts.emplace_back();
    return parts;
  }
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && v[i] == ' ') ++i;
    if (i >= v.size() || v[i] != '"') break;
    std::string s;
    for (++i; i < v.size() && v[i] != '"'; ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      s += v[i];
    }
    ++i;
    parts.push_back(std::move(s));
  }
  return parts;
}

}  // namespace

Status MemoryResolver::add(std::string_view name, std::string_view type_text, std::string_view value) {
  auto type = parse_type(type_text);
  if (!type) return Error{fmt::format("unknown record type \"{}\"", type_text)};
  value = trim(value);
  std::string rdata;
  switch (*type) {
    case Type::A:
    case Type::AAAA: {
      auto ip = IpAddress::parse(value);
      if (!ip || ip->v6 != (*type == Type::AAAA))
        return Error{fmt::format("bad {} address \"{}\"", type_name(*type), value)};
      rdata = encode_address(*ip);
      break;
    }
    case Type::MX: {
      auto sp = value.find(' ');
      auto pref = parse_int(value.substr(0, sp));
      if (sp == std::string_view::npos || !pref || *pref < 0 || *pref > 65535)
        return Error{fmt::format("bad MX \"{}\"", value)};
      auto r = encode_mx(static_cast<uint16_t>(*pref), trim(value.substr(sp + 1)));
      if (!r) return r.error();
      rdata = std::move(*r);
      break;
    }
    case Type::NS:
    case Type::CNAME:
    case Type::PTR: {
      auto r = encode_name(value);
      if (!r) return r.error();
      rdata = std::move(*r);
      break;
    }
    case Type::TXT: {
      auto r = encode_txt(txt_parts(value));
      if (!r) return r.error();
      rdata = std::move(*r);
      break;
    }
    case Type::TLSA: {
      auto f = split_any(value, " \t");
      if (f.size() < 4) return Error{fmt::format("bad TLSA \"{}\"", value)};
      Tlsa t;
      uint8_t* fields[] = {&t.usage, &t.selector, &t.mtype};
      for (size_t i = 0; i < 3; ++i) {
        auto n = parse_int(f[i]);
        if (!n || *n < 0 || *n > 255) return Error{fmt::format("bad TLSA \"{}\"", value)};
        *fields[i] = static_cast<uint8_t>(*n);
      }
      std::string hex;
      for (size_t i = 3; i < f.size(); ++i) hex += f[i];
      if (hex.size() % 2) return Error{fmt::format("odd hex length in TLSA \"{}\"", value)};
      for (size_t i = 0; i < hex.size(); i += 2) {
        int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) return Error{fmt::format("bad hex in TLSA \"{}\"", value)};
        t.data += static_cast<char>(hi * 16 + lo);
      }
      rdata = encode_tlsa(t);
      break;
    }
  }
  add_rdata(name, *type, std::move(rdata));
  return ok_status();
}

void MemoryResolver::add_rdata(std::string_view name, Type type, std::string rdata) {
  std::lock_guard lock(mu_);
  records_[{key_name(name), type}].push_back(std::move(rdata));
}

void MemoryResolver::add_txt(std::string_view name, std::vector<std::string> strings) {
  auto r = encode_txt(strings);
  if (r) add_rdata(name, Type::TXT, std::move(*r));
}

void MemoryResolver::fail(std::string_view name, Type type, Outcome outcome) {
  std::lock_guard lock(mu_);
  failures_[{key_name(name), type}] = outcome;
}

void MemoryResolver::set_security(std::string_view zone, Security s) {
  std::lock_guard lock(mu_);
  security_[key_name(zone)] = s;
}

Security MemoryResolver::security_of(const std::string& name) const {
  // The closest enclosing zone that has a status set.
  std::string_view n = name;
  for (;;) {
    if (auto it = security_.find(std::string(n)); it != security_.end()) return it->second;
    auto dot = n.find('.');
    if (dot == std::string_view::npos) break;
    n.remove_prefix(dot + 1);
  }
  if (auto it = security_.find(""); it != security_.end()) return it->second;
  return Security::insecure;
}

Answer MemoryResolver::answer(const std::string& name, Type type, int depth) const {
  Answer a;
  a.security = security_of(name);
  if (auto f = failures_.find({name, type}); f != failures_.end()) {
    a.outcome = f->second;
    if (a.outcome == Outcome::temporary) a.error = fmt::format("lookup of {}/{} failed (test)", name, type_name(type));
    return a;
  }
  if (a.security == Security::bogus) {
    a.outcome = Outcome::temporary;
    a.error = fmt::format("DNSSEC validation failed for {}", name);
    return a;
  }
  if (auto it = records_.find({name, type}); it != records_.end()) {
    a.outcome = Outcome::data;
    a.ttl = 300;
    a.rdata = it->second;
    return a;
  }
  if (auto c = records_.find({name, Type::CNAME}); c != records_.end() && type != Type::CNAME && depth < 8) {
    auto target = decode_name(c->second.front());
    if (target) {
      Answer followed = answer(*target, type, depth + 1);
      if (followed.canonical.empty()) followed.canonical = *target;
      return followed;
    }
  }
  // The name exists when it, or a name below it, has any record (an empty non-terminal).
  if (auto it = records_.lower_bound({name, Type{}}); it != records_.end() && it->first.first == name) {
    a.outcome = Outcome::nodata;
    return a;
  }
  std::string suffix = "." + name;
  for (const auto& [k, v] : records_) {
    const auto& n = k.first;
    if (n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
      a.outcome = Outcome::nodata;
      return a;
    }
  }
  a.outcome = Outcome::nxdomain;
  return a;
}

Answer MemoryResolver::lookup(std::string_view name, Type type) {
  std::lock_guard lock(mu_);
  ++queries_;
  return answer(key_name(name), type, 0);
}

void MemoryResolver::start(std::string_view name, Type type, Done done) {
  Answer a = lookup(name, type);
  auto deliver = [done = std::move(done), a = std::move(a)]() mutable { done(std::move(a)); };
  if (post_) {
    post_(std::move(deliver));
    return;
  }
  std::lock_guard lock(mu_);
  pending_.push_back(std::move(deliver));
}

size_t MemoryResolver::run_pending() {
  std::vector<std::function<void()>> now;
  {
    std::lock_guard lock(mu_);
    now.swap(pending_);
  }
  for (auto& f : now) f();
  return now.size();
}

size_t MemoryResolver::queries() const {
  std::lock_guard lock(mu_);
  return queries_;
}

}  // namespace tern::dns
