// The configuration snapshot: main.cf + master.cf read once, every parameter expanded and
// converted into a typed `Params`, globally and per master.cf service (with its -o
// overrides). Immutable once built; a reload builds a new one and swaps the pointer.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/main_cf.hpp"
#include "config/master_cf.hpp"
#include "config/params.hpp"

namespace tern::config {

struct Service {
  MasterEntry entry;
  Params params;  // main.cf with this service's -o overrides applied
};

struct Config {
  std::string directory;         // absolute configuration directory
  RawParams main_cf;             // as written (postconf -n)
  Params params;                 // the global typed snapshot
  std::vector<Service> services; // master.cf, in file order
  std::vector<std::string> warnings;

  // The raw (unexpanded) value a parameter has: main.cf, else its default.
  std::string raw_value(std::string_view name) const;
};

struct LoadOptions {
  std::string directory;    // -c dir (made absolute)
  bool read_master = true;  // postconf without -M does not need master.cf
};

// The directory from -c, else $MAIL_CONFIG, else /etc/tern.
std::string default_directory(const std::string& from_flag);

Result<std::shared_ptr<const Config>> load(const LoadOptions& opts);

// Defaults the loader computes from the machine (myhostname, mydomain, mynetworks, …).
std::string computed_default(std::string_view name, const std::string& config_dir);

// Builds typed params from layered raw values (exposed for tests and per-service use):
// `overrides` (master.cf -o) over `main` over defaults.
Result<Params> build_params(const RawParams& main, const RawParams& overrides,
                            const std::string& config_dir);

// Expands one value the way build_params does (postconf -x).
Result<std::string> expand_value(std::string_view text, const RawParams& main,
                                 const std::string& config_dir);

}  // namespace tern::config
