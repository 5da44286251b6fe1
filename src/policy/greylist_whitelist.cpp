// postgrey's whitelist formats; see greylist_whitelist.hpp. Each line is classified in
// postgrey's order (read_clients_whitelists / read_recipients_whitelists), and matched
// with what postgrey's generated regular expressions mean, written as plain string
// comparisons where postgrey quoted the text (\Q...\E) and as PCRE where the admin wrote one.
#include "policy/greylist_whitelist.hpp"

#include <algorithm>
#include <cctype>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "maps/pattern_rules.hpp"
#include "maps/pattern_tables.hpp"

namespace tern::policy {

struct ClientWhitelist::Name {
  WhitelistOrigin origin;
  std::string suffix;                       // lower case; empty when `regexp` is set
  std::unique_ptr<maps::Matcher> regexp;
};

struct ClientWhitelist::Network {
  WhitelistOrigin origin;
  Cidr net;
};

struct RecipientWhitelist::Entry {
  enum class Kind { regexp, address, local_part, domain };
  WhitelistOrigin origin;
  Kind kind = Kind::domain;
  std::string user, domain;  // lower case
  std::unique_ptr<maps::Matcher> regexp;
};

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool all_digits(std::string_view s, size_t min, size_t max) {
  if (s.size() < min || s.size() > max) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

bool has_space(std::string_view s) {
  for (char c : s)
    if (std::isspace(static_cast<unsigned char>(c))) return true;
  return false;
}

// Perl's /^\d{1,3}(\.\d{1,3}){n-1}(\/\d{1,2})?$/ with n octets; the mask only when allowed.
bool dotted_octets(std::string_view s, int n, bool mask_allowed) {
  auto slash = s.find('/');
  if (slash != std::string_view::npos) {
    if (!mask_allowed || !all_digits(s.substr(slash + 1), 1, 2)) return false;
    s = s.substr(0, slash);
  }
  auto parts = split_any(s, ".");
  if (int(parts.size()) != n || s.front() == '.' || s.back() == '.' || s.find("..") != s.npos) return false;
  for (auto p : parts)
    if (!all_digits(p, 1, 3)) return false;
  return true;
}

// postgrey's comment and whitespace stripping: s/#.*$//; s/^\s+//; s/\s+$//.
std::string_view strip_line(std::string_view line) {
  if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
  return trim(line);
}

// "/expr/" with no whitespace inside: postgrey's /^\/(\S+)\/$/.
std::optional<std::string_view> regexp_body(std::string_view entry) {
  if (entry.size() < 3 || entry.front() != '/' || entry.back() != '/') return std::nullopt;
  std::string_view body = entry.substr(1, entry.size() - 2);
  if (has_space(body)) return std::nullopt;
  return body;
}

// An address or network with host bits allowed (NetAddr::IP->within uses the network).
Result<Cidr> network(std::string_view text, int implied_prefix) {
  std::string_view addr = text, len;
  if (auto slash = text.rfind('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    len = text.substr(slash + 1);
  }
  std::string full(addr);
  if (implied_prefix == 24) full += ".0";
  if (implied_prefix == 16) full += ".0.0";
  auto ip = IpAddress::parse(full);
  if (!ip) return Error{"bad IP address \"" + printable(text, 80) + "\""};
  int max = ip->v6 ? 128 : 32;
  int prefix = implied_prefix ? implied_prefix : max;
  if (!len.empty() || text.back() == '/') {
    auto n = parse_int(len);
    if (!n || *n < 0 || *n > max) return Error{"bad network prefix length in \"" + printable(text, 80) + "\""};
    prefix = int(*n);
  }
  Cidr c{*ip, prefix};
  for (int bit = prefix; bit < max; ++bit) c.net.bytes[size_t(bit / 8)] &= ~(0x80 >> (bit % 8));
  return c;
}

Result<std::unique_ptr<maps::Matcher>> compile(std::string_view body) {
  auto m = maps::compile_pcre(body, "");  // caseless, as postgrey's qr{...}i
  if (!m) return m.error();
  return std::move(*m);
}

// A regexp that fails to run (PCRE's match limit) lets nothing through: not whitelisted.
bool searches(const maps::Matcher& m, std::string_view text) {
  auto r = m.match(text, nullptr);
  return r.ok() && *r;
}

template <class ParseLine>
Status each_line(std::string_view text, const std::string& file, ParseLine parse_line) {
  int number = 0;
  while (!text.empty()) {
    ++number;
    auto nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    std::string_view entry = strip_line(raw);
    if (entry.empty()) continue;
    if (auto s = parse_line(entry, WhitelistOrigin{file, number, std::string(entry)}); !s)
      return Error{file + ":" + std::to_string(number) + ": " + s.error().message};
  }
  return ok_status();
}

template <class List>
Result<List> load(const std::vector<std::string>& files) {
  List list;
  for (const auto& f : files) {
    auto text = read_file(f);
    if (!text) return text.error();
    if (auto s = list.parse(*text, f); !s) return s.error();
  }
  return list;
}

}  // namespace

ClientWhitelist::ClientWhitelist() = default;
ClientWhitelist::~ClientWhitelist() = default;
ClientWhitelist::ClientWhitelist(ClientWhitelist&&) noexcept = default;
ClientWhitelist& ClientWhitelist::operator=(ClientWhitelist&&) noexcept = default;

size_t ClientWhitelist::size() const { return names_.size() + networks_.size(); }

Status ClientWhitelist::parse(std::string_view text, const std::string& file) {
  return each_line(text, file, [&](std::string_view entry, WhitelistOrigin origin) -> Status {
    if (auto body = regexp_body(entry)) {
      auto m = compile(*body);
      if (!m) return m.error();
      names_.push_back(Name{std::move(origin), {}, std::move(*m)});
      return ok_status();
    }
    int implied = -1;
    if (dotted_octets(entry, 4, true)) implied = 0;
    else if (dotted_octets(entry, 3, false)) implied = 24;
    else if (dotted_octets(entry, 2, false)) implied = 16;
    else if (std::count(entry.begin(), entry.end(), ':') >= 2) implied = 0;  // IPv6
    if (implied >= 0) {
      auto net = network(entry, implied);
      if (!net) return net.error();
      networks_.push_back(Network{std::move(origin), *net});
      return ok_status();
    }
    if (has_space(entry)) return Error{"doesn't look like a hostname: \"" + printable(entry, 80) + "\""};
    names_.push_back(Name{std::move(origin), lower(entry), nullptr});
    return ok_status();
  });
}

std::optional<WhitelistOrigin> ClientWhitelist::match(const IpAddress& addr, std::string_view name) const {
  std::string folded = lower(name);
  for (const auto& n : names_) {
    bool hit = n.regexp ? searches(*n.regexp, name)
                        : folded == n.suffix || ends_with(folded, "." + n.suffix);
    if (hit) return n.origin;
  }
  IpAddress a = addr.unmapped();
  for (const auto& n : networks_)
    if (n.net.contains(a)) return n.origin;
  return std::nullopt;
}

RecipientWhitelist::RecipientWhitelist() = default;
RecipientWhitelist::~RecipientWhitelist() = default;
RecipientWhitelist::RecipientWhitelist(RecipientWhitelist&&) noexcept = default;
RecipientWhitelist& RecipientWhitelist::operator=(RecipientWhitelist&&) noexcept = default;

size_t RecipientWhitelist::size() const { return entries_.size(); }

Status RecipientWhitelist::parse(std::string_view text, const std::string& file) {
  return each_line(text, file, [&](std::string_view entry, WhitelistOrigin origin) -> Status {
    Entry e;
    e.origin = std::move(origin);
    if (auto body = regexp_body(entry)) {
      auto m = compile(*body);
      if (!m) return m.error();
      e.kind = Entry::Kind::regexp;
      e.regexp = std::move(*m);
    } else if (has_space(entry)) {
      return Error{"doesn't look like an address: \"" + printable(entry, 80) + "\""};
    } else if (auto at = entry.find('@'); at == std::string_view::npos) {
      e.kind = Entry::Kind::domain;
      e.domain = lower(entry);
    } else {
      e.user = lower(entry.substr(0, at));
      e.domain = lower(entry.substr(at + 1));
      e.kind = e.domain.empty() ? Entry::Kind::local_part : Entry::Kind::address;
    }
    entries_.push_back(std::move(e));
    return ok_status();
  });
}

namespace {

// After the local part: nothing, or "+extension" with at least one character and no '@'
// (postgrey's (?:\+[^@]+)?).
bool is_extension(std::string_view rest) {
  return rest.empty() || (rest.size() >= 2 && rest[0] == '+' && rest.find('@') == std::string_view::npos);
}

}  // namespace

std::optional<WhitelistOrigin> RecipientWhitelist::match(std::string_view recipient) const {
  std::string r = lower(recipient);
  for (const auto& e : entries_) {
    bool hit = false;
    switch (e.kind) {
      case Entry::Kind::regexp:
        hit = searches(*e.regexp, recipient);
        break;
      case Entry::Kind::domain:  // (?:\@|\.)domain$
        hit = ends_with(r, "@" + e.domain) || ends_with(r, "." + e.domain);
        break;
      case Entry::Kind::address:  // ^user(?:\+[^@]+)?\@domain$
        if (std::string tail = "@" + e.domain; ends_with(r, tail)) {
          std::string_view local = std::string_view(r).substr(0, r.size() - tail.size());
          hit = local.substr(0, e.user.size()) == e.user && is_extension(local.substr(std::min(e.user.size(), local.size())));
        }
        break;
      case Entry::Kind::local_part:  // ^user(?:\+[^@]+)?\@
        if (std::string_view(r).substr(0, e.user.size()) == e.user) {
          std::string_view rest = std::string_view(r).substr(e.user.size());
          auto at = rest.find('@');
          hit = at != std::string_view::npos && is_extension(rest.substr(0, at));
        }
        break;
    }
    if (hit) return e.origin;
  }
  return std::nullopt;
}

Result<ClientWhitelist> load_client_whitelist(const std::vector<std::string>& files) {
  return load<ClientWhitelist>(files);
}

Result<RecipientWhitelist> load_recipient_whitelist(const std::vector<std::string>& files) {
  return load<RecipientWhitelist>(files);
}

}  // namespace tern::policy
