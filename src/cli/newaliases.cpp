// newaliases (and sendmail -bi): rebuilds every table named in alias_database with
// postalias. Relative names resolve against the configuration directory, as they do in
// alias_maps, so "alias_maps = hash:aliases" and "alias_database = hash:aliases" agree.
// Exit status as postalias: 0 when every index was built, else the first failure's.
#include <unistd.h>

#include <string>

#include "cli/commands.hpp"
#include "cli/map_tool.hpp"
#include "cli/tool_env.hpp"

namespace tern::cli {

int newaliases_main(int argc, char** argv) {
  constexpr const char* kName = "newaliases";
  std::string dir;
  int c;
  optind = 1;
  opterr = 0;
  while ((c = ::getopt(argc, argv, "c:")) != -1) {
    if (c != 'c') {
      fatal_msg(kName, "usage: newaliases [-c config_dir]");
      return 64;
    }
    dir = optarg;
  }
  if (optind != argc) {
    fatal_msg(kName, "usage: newaliases [-c config_dir]");
    return 64;
  }
  auto cfg = load_config(kName, dir);
  if (!cfg) return kMapFatal;
  MapTool t;
  t.name = kName;
  t.format = maps::SourceFormat::aliases;
  t.default_type = cfg->params.default_database_type;
  t.config_dir = cfg->directory;
  for (const auto& spec : cfg->params.alias_database)
    if (int rc = t.build(spec); rc != 0) return rc;
  return 0;
}

}  // namespace tern::cli
