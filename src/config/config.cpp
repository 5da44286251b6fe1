// Configuration loading; see config.hpp.
#include "config/config.hpp"

#include <unistd.h>

#include <cstdlib>
#include <set>

#include "base/file.hpp"
#include "base/net.hpp"
#include "base/strings.hpp"
#include "config/expand.hpp"

namespace tern::config {

namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || !buf[0]) return "localhost";
  return buf;
}

// Postfix: a hostname without a dot gets ".localdomain" (we never ask DNS for the FQDN).
std::string default_myhostname() {
  std::string h = host_name();
  return h.find('.') == std::string::npos ? h + ".localdomain" : h;
}

std::string default_mynetworks(std::string_view style) {
  std::string out = "127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128";
  if (style == "host" || style == "subnet" || style == "class") {
    std::set<std::string> seen;
    for (const auto& i : interface_addresses()) {
      IpAddress a = i.addr;
      int prefix = style == "host" ? (a.v6 ? 128 : 32) : i.prefix;
      if (!a.v6 && a.bytes[0] == 127) continue;
      if (a.v6 && (a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80)) continue;  // link-local
      if (a.v6 && a.to_string() == "::1") continue;
      int max = a.v6 ? 128 : 32;
      for (int b = prefix; b < max; ++b) a.bytes[size_t(b / 8)] &= ~(0x80 >> (b % 8));
      std::string c = Cidr{a, prefix}.to_string();
      if (seen.insert(c).second) out += " " + c;
    }
  }
  return out;
}

// Postfix derives mydomain from $myhostname by dropping the first label.
std::string domain_of(const std::string& host) {
  auto dot = host.find('.');
  return dot == std::string::npos || dot + 1 == host.size() ? "localdomain" : host.substr(dot + 1);
}

struct Layers {
  const RawParams& main;
  const RawParams& overrides;
  const std::string& config_dir;

  std::optional<std::string> raw(std::string_view name) const {
    if (auto it = overrides.find(name); it != overrides.end()) return it->second.value;
    if (auto it = main.find(name); it != main.end()) return it->second.value;
    if (const ParamSpec* s = find_param(name)) {
      if (s->def.empty()) {
        std::string c = computed_default(name, config_dir);
        auto lookup = [this](std::string_view n) { return raw(n); };
        if (name == "mynetworks") {  // depends on mynetworks_style
          auto style = expand(raw("mynetworks_style").value_or("host"), lookup);
          c = default_mynetworks(style ? *style : "host");
        } else if (name == "mydomain") {  // depends on myhostname
          auto host = expand(raw("myhostname").value_or(""), lookup);
          if (host) c = domain_of(*host);
        }
        return c;
      }
      return std::string(s->def);
    }
    return std::nullopt;
  }

  std::string where(std::string_view name) const {
    const RawValue* v = nullptr;
    if (auto it = overrides.find(name); it != overrides.end()) v = &it->second;
    else if (auto it2 = main.find(name); it2 != main.end()) v = &it2->second;
    if (!v) return "default value";
    return v->file + ":" + std::to_string(v->line);
  }
};

Status bad(const Layers& l, std::string_view name, const std::string& value,
           const std::string& why) {
  return Error{l.where(name) + ": bad " + std::string(name) + " value \"" + printable(value, 80) +
               "\": " + why};
}

Status check_bounds(const Layers& l, const ParamSpec& s, const std::string& v, long long n) {
  if (n < s.min)
    return bad(l, s.name, v, "must be at least " + std::to_string(s.min));
  if (s.max != 0 && n > s.max)
    return bad(l, s.name, v, "must be at most " + std::to_string(s.max));
  return ok_status();
}

Status convert(const Layers& l, const ParamSpec& s, const std::string& v, Str& out) {
  out = s.name.size() && is_path_param(s.name) && !v.empty() ? resolve_path(l.config_dir, v) : v;
  return ok_status();
}

Status convert(const Layers& l, const ParamSpec& s, const std::string& v, Bool& out) {
  if (iequals(v, "yes") || iequals(v, "true")) out = true;
  else if (iequals(v, "no") || iequals(v, "false")) out = false;
  else return bad(l, s.name, v, "expected yes or no");
  return ok_status();
}

Status convert(const Layers& l, const ParamSpec& s, const std::string& v, Int& out) {
  auto n = parse_int(trim(v));
  if (!n) return bad(l, s.name, v, "expected an integer");
  out = *n;
  return check_bounds(l, s, v, *n);
}

Status convert(const Layers& l, const ParamSpec& s, const std::string& v, Time& out) {
  std::string_view t = trim(v);
  char unit = s.def.empty() ? 's' : s.def.back();
  if (!t.empty() && std::isalpha(static_cast<unsigned char>(t.back()))) {
    unit = t.back();
    t.remove_suffix(1);
  }
  auto n = parse_int(t);
  if (!n) return bad(l, s.name, v, "expected a time such as 300s, 10m, 1h, 5d or 1w");
  long long mult = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : unit == 'd' ? 86400
                 : unit == 'w' ? 604800 : 0;
  if (mult == 0) return bad(l, s.name, v, "unknown time unit (use s, m, h, d or w)");
  out = Time(*n * mult);
  return check_bounds(l, s, v, out.count());
}

Status convert(const Layers& l, const ParamSpec& s, const std::string& v, List& out) {
  out = split_list(v);
  if (is_path_param(s.name))
    for (auto& p : out) p = resolve_path(l.config_dir, p);
  return ok_status();
}

template <class T>
Status fill(const Layers& l, const ParamSpec& s, T& out) {
  auto raw = l.raw(s.name);
  auto lookup = [&](std::string_view n) { return l.raw(n); };
  auto v = expand(raw ? *raw : std::string(), lookup);
  if (!v) return Error{l.where(s.name) + ": " + std::string(s.name) + ": " + v.error().message};
  return convert(l, s, *v, out);
}

bool is_per_transport_name(std::string_view name, const std::set<std::string>& services) {
  static const std::string_view kSuffixes[] = {
      "_destination_concurrency_limit", "_destination_recipient_limit",
      "_initial_destination_concurrency", "_destination_rate_delay",
      "_destination_concurrency_failed_cohort_limit", "_destination_concurrency_negative_feedback",
      "_destination_concurrency_positive_feedback", "_extra_recipient_limit", "_recipient_limit",
      "_recipient_refill_limit", "_recipient_refill_delay", "_delivery_slot_cost",
      "_delivery_slot_discount", "_delivery_slot_loan", "_minimum_delivery_slots",
      "_time_limit", "_transport_rate_delay", "_destination_recipient_limit"};
  for (auto suf : kSuffixes) {
    if (name.size() > suf.size() && name.substr(name.size() - suf.size()) == suf &&
        services.count(std::string(name.substr(0, name.size() - suf.size()))))
      return true;
  }
  return false;
}

void warn_unused(const RawParams& main, const std::vector<MasterEntry>& master,
                 std::vector<std::string>& warnings) {
  std::set<std::string> referenced;
  auto note = [&](std::string_view n) { referenced.emplace(n); };
  for (const auto& [n, v] : main) referenced_names(v.value, note);
  for (const auto& p : param_table()) referenced_names(p.def, note);
  // smtpd_restriction_classes names main.cf parameters that hold restriction lists.
  if (auto c = main.find("smtpd_restriction_classes"); c != main.end())
    for (const auto& name : split_list(c->second.value)) note(name);
  std::set<std::string> services;
  for (const auto& e : master) {
    services.insert(e.service);
    for (const auto& [n, v] : e.overrides) referenced_names(v, note);
    for (const auto& a : e.args) referenced_names(a, note);
  }
  for (const auto& [n, v] : main) {
    if (find_param(n) || referenced.count(n) || is_per_transport_name(n, services)) continue;
    warnings.push_back(v.file + ":" + std::to_string(v.line) + ": unused parameter: " + n + "=" +
                       printable(v.value, 80));
  }
  for (const auto& e : master)
    for (const auto& [n, v] : e.overrides)
      if (!find_param(n) && !referenced.count(n) && !main.count(n) &&
          !is_per_transport_name(n, services))
        warnings.push_back(e.file + ":" + std::to_string(e.line) + ": unused parameter: " + n +
                           "=" + printable(v, 80));
}

std::string absolute(const std::string& dir) {
  if (!dir.empty() && dir.front() == '/') return dir;
  char cwd[4096];
  if (!::getcwd(cwd, sizeof cwd)) return dir;
  std::string out = cwd;
  if (dir != ".") out += "/" + dir;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

std::string computed_default(std::string_view name, const std::string& config_dir) {
  if (name == "myhostname") return default_myhostname();
  if (name == "mydomain") return domain_of(default_myhostname());
  if (name == "mynetworks") return default_mynetworks("host");
  if (name == "config_directory") return config_dir;
  if (name == "mail_version") return "3.7.0-tern-0.1.0";
  if (name == "mail_release_date") return "20261122";
  if (name == "process_id") return std::to_string(::getpid());
  if (name == "process_name") return "tern";
  return "";
}

std::string default_directory(const std::string& from_flag) {
  if (!from_flag.empty()) return absolute(from_flag);
  if (const char* env = std::getenv("MAIL_CONFIG"); env && *env) return absolute(env);
  return "/etc/tern";
}

Result<Params> build_params(const RawParams& main, const RawParams& overrides,
                            const std::string& config_dir) {
  Layers l{main, overrides, config_dir};
  Params p;
  const ParamSpec* spec = param_table().data();
#define PARAM(T, field, name, def, lo, hi, doc)            \
  if (auto s = fill(l, *spec, p.field); !s) return s.error(); \
  ++spec;
#include "config/params.def"
#undef PARAM
  return p;
}

Result<std::string> expand_value(std::string_view text, const RawParams& main,
                                 const std::string& config_dir) {
  RawParams none;
  Layers l{main, none, config_dir};
  return expand(text, [&](std::string_view n) { return l.raw(n); });
}

std::string Config::raw_value(std::string_view name) const {
  RawParams none;
  Layers l{main_cf, none, directory};
  auto v = l.raw(name);
  return v ? *v : std::string();
}

Result<std::shared_ptr<const Config>> load(const LoadOptions& opts) {
  auto cfg = std::make_shared<Config>();
  cfg->directory = absolute(opts.directory);
  std::string main_path = cfg->directory + "/main.cf";
  auto text = read_file(main_path);
  if (!text) return Error{"open " + text.error().message};
  auto raw = parse_main_cf(*text, main_path);
  if (!raw) return raw.error();
  cfg->main_cf = std::move(*raw);
  std::vector<MasterEntry> master;
  if (opts.read_master) {
    std::string master_path = cfg->directory + "/master.cf";
    auto mtext = read_file(master_path);
    if (!mtext) return Error{"open " + mtext.error().message};
    auto m = parse_master_cf(*mtext, master_path);
    if (!m) return m.error();
    master = std::move(*m);
  }
  warn_unused(cfg->main_cf, master, cfg->warnings);
  RawParams none;
  auto params = build_params(cfg->main_cf, none, cfg->directory);
  if (!params) return params.error();
  cfg->params = std::move(*params);
  for (auto& e : master) {
    RawParams ov;
    for (const auto& [n, v] : e.overrides) ov[n] = RawValue{v, e.file, e.line};
    auto sp = ov.empty() ? Result<Params>(cfg->params) : build_params(cfg->main_cf, ov, cfg->directory);
    if (!sp) return sp.error();
    cfg->services.push_back(Service{std::move(e), std::move(*sp)});
  }
  return std::shared_ptr<const Config>(std::move(cfg));
}

}  // namespace tern::config
