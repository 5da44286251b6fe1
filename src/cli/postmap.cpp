// postmap / postalias / tern map: build indexed tables from source files and query,
// dump, delete from or add to them, with Postfix's options:
//   postmap [-fiprsw] [-c config_dir] [-d key] [-q key] [type:]file ...
// postalias is the same over aliases(5) sources. Exit status: 0 success or found,
// 1 not found, 2 fatal error, 64 usage. Options Tern does not implement (-b -F -h -m -N
// -n -o -u -U -v) are refused by name rather than ignored.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/map_tool.hpp"
#include "cli/tool_env.hpp"

namespace tern::cli {

namespace {

constexpr int kExUsage = 64;

struct Options {
  std::string config_dir;
  std::optional<std::string> query, del;
  bool dump = false, incremental = false;
  std::vector<std::string> tables;
};

int usage(const char* name) {
  fatal_msg(name, std::string("usage: ") + name +
                      " [-fiprsw] [-c config_dir] [-d key] [-q key] [map_type:]file...");
  return kExUsage;
}

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

std::vector<std::string> stdin_keys() {
  std::vector<std::string> keys;
  for (std::string line; std::getline(std::cin, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) keys.push_back(line);
  }
  return keys;
}

// Parses argv into `o` and the tool's flags; -1 to go on, else the exit status.
int parse(int argc, char** argv, MapTool& t, Options& o) {
  int c;
  optind = 1;
  opterr = 0;
  while ((c = ::getopt(argc, argv, ":c:d:fipq:rswbFhmNnouUv")) != -1) {
    switch (c) {
      case 'c': o.config_dir = optarg; break;
      case 'd': o.del = optarg; break;
      case 'f': t.fold = false; break;
      case 'i': o.incremental = true; break;
      case 'p': t.inherit_mode = false; break;
      case 'q': o.query = optarg; break;
      case 'r': t.dup = maps::Duplicates::replace; break;
      case 's': o.dump = true; break;
      case 'w': t.dup = maps::Duplicates::keep_first; break;
      case '?':
      case ':': return usage(t.name);
      default:
        fatal_msg(t.name, std::string("option -") + char(c) + " is not supported by Tern");
        return kExUsage;
    }
  }
  for (int i = optind; i < argc; ++i) o.tables.emplace_back(argv[i]);
  if (o.tables.empty()) return usage(t.name);
  if (int(o.query.has_value()) + int(o.del.has_value()) + int(o.dump) > 1) {
    fatal_msg(t.name, "specify only one of -s or -q or -d");
    return kExUsage;
  }
  return -1;
}

int run(MapTool& t, int argc, char** argv) {
  Options o;
  if (int rc = parse(argc, argv, t, o); rc >= 0) return rc;
  auto cfg = load_config(t.name, o.config_dir);
  if (!cfg) return kMapFatal;
  t.default_type = cfg->params.default_database_type;
  if (o.query) return *o.query == "-" ? t.query_lines(o.tables, read_stdin()) : t.query(o.tables, *o.query);
  if (o.del) return t.remove(o.tables, *o.del == "-" ? stdin_keys() : std::vector{*o.del});
  if (o.dump) return t.dump(o.tables);
  std::string input = o.incremental ? read_stdin() : "";
  for (const auto& spec : o.tables)
    if (int rc = o.incremental ? t.add(spec, input) : t.build(spec); rc != 0) return rc;
  return 0;
}

}  // namespace

int postmap_main(int argc, char** argv) {
  MapTool t;
  t.name = "postmap";
  return run(t, argc, argv);
}

int postalias_main(int argc, char** argv) {
  MapTool t;
  t.name = "postalias";
  t.format = maps::SourceFormat::aliases;
  return run(t, argc, argv);
}

}  // namespace tern::cli
