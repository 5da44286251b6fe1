// `tern dane tlsa CERT.pem [--usage 3] [--selector 1] [--mtype 1] [--name HOST [--port 25]]`:
// the TLSA record for a certificate, so an admin publishes DANE records without a web
// page or an openssl pipeline. Prints "3 1 1 <hex>", or with --name the zone file line
//   _25._tcp.mx.example.org. IN TLSA 3 1 1 <hex>
// The certificate is the first one in the PEM file (keys and the chain may follow).
#include <getopt.h>
#include <openssl/pem.h>

#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cli/commands.hpp"
#include "dns/rdata.hpp"
#include "tls/dane.hpp"
#include "tls/ssl_error.hpp"

namespace tern::cli {

namespace {

constexpr const char* kName = "tern dane";

int usage() {
  std::fprintf(stderr,
               "usage: %s tlsa CERT.pem [--usage 3] [--selector 1] [--mtype 1] [--name HOST [--port 25]]\n"
               "  usage 2 (DANE-TA: give the issuer's certificate) or 3 (DANE-EE), selector 0 (certificate)\n"
               "  or 1 (public key), matching type 0 (exact), 1 (SHA2-256) or 2 (SHA2-512)\n",
               kName);
  return 64;
}

bool number(const char* text, int max, int* out) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!*text || *end || v < 0 || v > max) return false;
  *out = int(v);
  return true;
}

Result<X509*> read_certificate(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return Error{path + ": cannot open: " + std::string(std::strerror(errno))};
  X509* x = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (!x) return Error{path + ": no PEM certificate found (" + tls::ssl_errors("unreadable") + ")"};
  return x;
}

int tlsa_main(int argc, char** argv) {
  static const option longopts[] = {{"usage", required_argument, nullptr, 'u'},   {"selector", required_argument, nullptr, 's'},
                                    {"mtype", required_argument, nullptr, 'm'},   {"name", required_argument, nullptr, 'n'},
                                    {"port", required_argument, nullptr, 'p'},    {nullptr, 0, nullptr, 0}};
  int usage_field = 3, selector = 1, mtype = 1, port = 25;
  std::string name;
  optind = 1;
  for (int c; (c = ::getopt_long(argc, argv, "u:s:m:n:p:", longopts, nullptr)) != -1;) {
    bool ok = c == 'u'   ? number(optarg, 3, &usage_field)
              : c == 's' ? number(optarg, 1, &selector)
              : c == 'm' ? number(optarg, 2, &mtype)
              : c == 'p' ? number(optarg, 65535, &port)
              : c == 'n' ? (name = optarg, !name.empty())
                         : false;
    if (!ok) return usage();
  }
  if (optind + 1 != argc) return usage();
  if (usage_field < 2)
    std::fprintf(stderr, "%s: warning: usage %d (PKIX) is ignored by SMTP clients (RFC 7672); use 2 or 3\n", kName, usage_field);
  auto cert = read_certificate(argv[optind]);
  if (!cert) {
    std::fprintf(stderr, "%s: fatal: %s\n", kName, cert.error().message.c_str());
    return 1;
  }
  auto digests = tls::parse_dane_digests({"sha512", "sha256"});
  auto data = tls::association_data(*cert, uint8_t(selector), uint8_t(mtype), *digests);
  X509_free(*cert);
  if (!data) {
    std::fprintf(stderr, "%s: fatal: %s\n", kName, data.error().message.c_str());
    return 1;
  }
  std::string record = std::to_string(usage_field) + " " + std::to_string(selector) + " " + std::to_string(mtype) + " " +
                       dns::to_hex(*data);
  if (!name.empty()) {
    if (name.back() == '.') name.pop_back();
    record = "_" + std::to_string(port) + "._tcp." + name + ". IN TLSA " + record;
  }
  std::printf("%s\n", record.c_str());
  return 0;
}

}  // namespace

int dane_main(int argc, char** argv) {
  if (argc < 2) return usage();
  if (std::string(argv[1]) == "tlsa") return tlsa_main(argc - 1, argv + 1);
  std::fprintf(stderr, "%s: unknown subcommand \"%s\"\n", kName, argv[1]);
  return usage();
}

}  // namespace tern::cli
