// The DKIM commands:
//
//   tern dkim keygen --domain D --selector S [--type rsa|ed25519] [--bits N] [--directory DIR]
//       writes DIR/S.private (the private key, PKCS#8 PEM, mode 0600) and DIR/S.txt (the
//       zone-file TXT record, as opendkim-genkey writes it), and prints the record.
//   tern check dkim [-c DIR] [--dns-file FILE] [--time SECONDS] < message
//       verifies every DKIM-Signature and prints one line per signature in the words of
//       Authentication-Results (dkim=pass header.d=... header.s=... header.a=...
//       header.b=...). Key records come from FILE ("owner TXT-data" per line, # comments)
//       or, without it, from the DNS (dns_forward_servers, ...; -c DIR or /etc/tern).
//       --time fixes the verification clock (test vectors). Exit status: 0 when
//       at least one signature passes, 1 when none does (or there is none), 64 on a usage
//       error, 75 when the configuration or the key source is unusable.
#include <getopt.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "cli/check_args.hpp"
#include "cli/commands.hpp"
#include "cli/tool_env.hpp"
#include "dkim/crypto.hpp"
#include "dkim/verify.hpp"
#include "dns/memory_resolver.hpp"
#include "dns/unbound_resolver.hpp"

namespace tern::cli {

namespace {

constexpr int kUsage = 64, kTempfail = 75;

int keygen_usage() {
  std::fprintf(stderr,
               "usage: tern dkim keygen --domain DOMAIN --selector SELECTOR [--type rsa|ed25519] "
               "[--bits N] [--directory DIR]\n");
  return kUsage;
}

// The TXT record in zone-file form, its data split into quoted strings of at most 250
// characters (a TXT character-string holds 255).
std::string zone_record(const std::string& selector, const std::string& domain, const std::string& data) {
  std::string out = selector + "._domainkey\tIN\tTXT\t( ";
  for (size_t i = 0; i < data.size(); i += 250) out += (i ? "\n\t  \"" : "\"") + data.substr(i, 250) + "\"";
  out += " )  ; ----- DKIM key " + selector + " for " + domain + "\n";
  return out;
}

int keygen(int argc, char** argv) {
  std::string domain, selector, type = "rsa", dir = ".";
  long bits = 2048;
  static const option longs[] = {{"domain", required_argument, nullptr, 'd'},
                                 {"selector", required_argument, nullptr, 's'},
                                 {"type", required_argument, nullptr, 't'},
                                 {"bits", required_argument, nullptr, 'b'},
                                 {"directory", required_argument, nullptr, 'D'},
                                 {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = ::getopt_long(argc, argv, "d:s:t:b:D:", longs, nullptr)) != -1;) {
    switch (c) {
      case 'd': domain = optarg; break;
      case 's': selector = optarg; break;
      case 't': type = optarg; break;
      case 'b': bits = std::strtol(optarg, nullptr, 10); break;
      case 'D': dir = optarg; break;
      default: return keygen_usage();
    }
  }
  if (domain.empty() || selector.empty() || optind != argc) return keygen_usage();
  if (type != "rsa" && type != "ed25519") {
    fatal_msg("tern dkim keygen", "--type must be rsa or ed25519");
    return kUsage;
  }
  if (type == "rsa" && (bits < 1024 || bits > 8192)) {
    fatal_msg("tern dkim keygen", "--bits must be between 1024 and 8192");
    return kUsage;
  }
  auto k = dkim::generate_key(type == "rsa" ? dkim::KeyType::rsa : dkim::KeyType::ed25519, int(bits));
  if (!k) {
    fatal_msg("tern dkim keygen", k.error().message);
    return kTempfail;
  }
  std::string data = "v=DKIM1; " + std::string(type == "rsa" ? "h=sha256; k=rsa; " : "k=ed25519; ") +
                     "p=" + dkim::public_key_record_data(*k);
  std::string record = zone_record(selector, domain, data);
  std::string base = dir + "/" + selector;
  if (auto st = atomic_write_file(base + ".private", dkim::private_key_pem(*k), 0600); !st) {
    fatal_msg("tern dkim keygen", st.error().message);
    return kTempfail;
  }
  if (auto st = atomic_write_file(base + ".txt", record, 0644); !st) {
    fatal_msg("tern dkim keygen", st.error().message);
    return kTempfail;
  }
  std::fputs(record.c_str(), stdout);
  return 0;
}

int check_usage() {
  std::fprintf(stderr, "usage: tern check dkim [-c DIR] [--dns-file FILE] [--time SECONDS] < message\n");
  return kUsage;
}

// "owner TXT-data" lines; a record longer than 255 octets is split as a zone would.
Status load_dns_file(const std::string& path, dns::MemoryResolver& r) {
  auto text = read_file(path);
  if (!text) return text.error();
  size_t n = 0;
  for (auto line : split_any(*text, "\n")) {
    ++n;
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t sp = line.find_first_of(" \t");
    if (sp == std::string_view::npos) return Error{path + ":" + std::to_string(n) + ": expected \"owner TXT-data\""};
    if (auto st = r.add(line.substr(0, sp), "TXT", trim(line.substr(sp))); !st)
      return Error{path + ":" + std::to_string(n) + ": " + st.error().message};
  }
  return ok_status();
}

std::string describe(const dkim::SignatureResult& r) {
  std::string out = "dkim=" + std::string(dkim::result_name(r.result));
  std::string why = r.reason;
  if (r.key_bits) why += std::string(why.empty() ? "" : "; ") + std::to_string(r.key_bits) + "-bit key";
  if (r.testing) why += std::string(why.empty() ? "" : "; ") + "testing";
  if (!why.empty()) out += " (" + why + ")";
  if (!r.domain.empty()) out += " header.d=" + r.domain + " header.i=" + r.identity + " header.s=" + r.selector;
  if (!r.algorithm.empty()) out += " header.a=" + r.algorithm;
  if (!r.b_text.empty()) out += " header.b=" + r.b_prefix();
  return out;
}

int check(int argc, char** argv) {
  std::string dir, dns_file;
  long long now = 0;
  static const option longs[] = {{"dns-file", required_argument, nullptr, 'f'},
                                 {"time", required_argument, nullptr, 'T'},
                                 {nullptr, 0, nullptr, 0}};
  optind = 1;
  for (int c; (c = ::getopt_long(argc, argv, "c:", longs, nullptr)) != -1;) {
    if (c == 'c') dir = optarg;
    else if (c == 'f') dns_file = optarg;
    else if (c == 'T' && parse_int(optarg)) now = *parse_int(optarg);
    else return check_usage();
  }
  if (optind != argc) return check_usage();
  dkim::VerifyOptions opt;
  std::shared_ptr<const config::Config> cfg;
  // The configuration gives the dkim_* limits and the DNS settings; with --dns-file and
  // no -c the defaults do.
  if (!dir.empty() || std::getenv("MAIL_CONFIG") || dns_file.empty()) {
    cfg = load_config("tern check dkim", dir);
    if (!cfg) return kTempfail;
    opt = dkim_verify_options(cfg->params);
  }
  opt.now = now;
  std::shared_ptr<dns::Resolver> resolver;
  if (dns_file.empty()) {
    auto r = dns::make_resolver(*cfg);
    if (!r) {
      fatal_msg("tern check dkim", r.error().message);
      return kTempfail;
    }
    resolver = std::move(*r);
  } else {
    auto mem = std::make_shared<dns::MemoryResolver>();
    if (auto st = load_dns_file(dns_file, *mem); !st) {
      fatal_msg("tern check dkim", st.error().message);
      return kTempfail;
    }
    resolver = std::move(mem);
  }
  std::string message{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  auto results = dkim::verify_message(message, *resolver, opt);
  if (results.empty()) std::printf("dkim=none (message not signed)\n");
  bool pass = false;
  for (const auto& r : results) {
    std::printf("%s\n", describe(r).c_str());
    pass |= r.result == dkim::Outcome::pass;
  }
  return pass ? 0 : 1;
}

}  // namespace

int dkim_main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "keygen") return keygen(argc - 1, argv + 1);
  std::fprintf(stderr, "usage: tern dkim keygen --domain DOMAIN --selector SELECTOR ...\n");
  return kUsage;
}

int check_dkim_main(int argc, char** argv) { return check(argc, argv); }

}  // namespace tern::cli
