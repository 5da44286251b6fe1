// postconf / tern conf: print parameters (-d defaults, -n non-default, -h values only,
// -x expanded), edit main.cf (-e name=value, -X name), print master.cf (-M), -c dir.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "cli/commands.hpp"
#include "config/config.hpp"
#include "config/main_cf.hpp"
#include "config/master_cf.hpp"
#include "config/params.hpp"

namespace tern::cli {

namespace {

struct Flags {
  std::string dir;
  bool defaults = false, nondefault = false, values_only = false, expand = false;
  bool edit = false, remove = false, master = false;
  std::vector<std::string> args;
};

int usage() {
  std::fprintf(stderr,
               "usage: postconf [-c config_dir] [-d | -n] [-h] [-x] [name ...]\n"
               "       postconf [-c config_dir] -e name=value ...\n"
               "       postconf [-c config_dir] -X name ...\n"
               "       postconf [-c config_dir] -M [service[/type] ...]\n");
  return 64;
}

void print(const Flags& f, const std::string& name, const std::string& value) {
  if (f.values_only) std::printf("%s\n", value.c_str());
  else std::printf("%s =%s%s\n", name.c_str(), value.empty() ? "" : " ", value.c_str());
}

int edit(const Flags& f) {
  std::string path = f.dir + "/main.cf";
  auto text = read_file(path);
  if (!text) {
    std::fprintf(stderr, "postconf: fatal: open %s\n", text.error().message.c_str());
    return 1;
  }
  std::vector<config::Edit> edits;
  for (const auto& a : f.args) {
    if (f.remove) {
      edits.push_back({a, std::nullopt});
      continue;
    }
    auto eq = a.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "postconf: fatal: -e requires name=value, not \"%s\"\n", a.c_str());
      return 1;
    }
    std::string name(trim(std::string_view(a).substr(0, eq)));
    std::string value(trim(std::string_view(a).substr(eq + 1)));
    if (!config::find_param(name))
      std::fprintf(stderr, "postconf: warning: %s: unknown parameter\n", name.c_str());
    edits.push_back({name, value});
  }
  auto out = config::edit_main_cf(*text, edits, path);
  if (!out) {
    std::fprintf(stderr, "postconf: fatal: %s\n", out.error().message.c_str());
    return 1;
  }
  if (auto s = atomic_write_file(path, *out); !s) {
    std::fprintf(stderr, "postconf: fatal: %s\n", s.error().message.c_str());
    return 1;
  }
  return 0;
}

int show_master(const Flags& f) {
  std::string path = f.dir + "/master.cf";
  auto text = read_file(path);
  if (!text) {
    std::fprintf(stderr, "postconf: fatal: open %s\n", text.error().message.c_str());
    return 1;
  }
  auto entries = config::parse_master_cf(*text, path);
  if (!entries) {
    std::fprintf(stderr, "postconf: fatal: %s\n", entries.error().message.c_str());
    return 1;
  }
  for (const auto& e : *entries) {
    bool wanted = f.args.empty();
    for (const auto& a : f.args) wanted |= (a == e.service || a == e.service + "/" + e.type);
    if (!wanted) continue;
    // Postfix aligns the first seven columns.
    std::printf("%-10s %-5s %-7s %-7s %-7s %-7s %-7s %s", e.service.c_str(), e.type.c_str(),
                e.private_.c_str(), e.unpriv.c_str(), e.chroot.c_str(), e.wakeup.c_str(),
                e.maxproc.c_str(), e.command.c_str());
    std::printf("%s\n", e.format_tail().c_str());
  }
  return 0;
}

int show(const Flags& f) {
  config::RawParams main;
  if (!f.defaults) {
    std::string path = f.dir + "/main.cf";
    auto text = read_file(path);
    if (!text) {
      std::fprintf(stderr, "postconf: fatal: open %s\n", text.error().message.c_str());
      return 1;
    }
    auto raw = config::parse_main_cf(*text, path);
    if (!raw) {
      std::fprintf(stderr, "postconf: fatal: %s\n", raw.error().message.c_str());
      return 1;
    }
    main = std::move(*raw);
  }
  auto value_of = [&](const std::string& name) -> std::optional<std::string> {
    std::string v;
    if (auto it = main.find(name); it != main.end()) v = it->second.value;
    else if (auto* s = config::find_param(name)) v = s->def.empty() ? config::computed_default(name, f.dir) : std::string(s->def);
    else return std::nullopt;
    if (f.expand) {
      auto e = config::expand_value(v, main, f.dir);
      if (e) v = *e;
    }
    return v;
  };
  std::vector<std::string> names = f.args;
  if (names.empty()) {
    if (f.nondefault) {
      for (const auto& [n, v] : main) names.push_back(n);
    } else {
      for (const auto& p : config::param_table()) names.emplace_back(p.name);
      for (const auto& [n, v] : main)
        if (!config::find_param(n)) names.push_back(n);
      std::sort(names.begin(), names.end());
    }
  }
  int status = 0;
  for (const auto& n : names) {
    auto v = value_of(n);
    if (!v) {
      std::fprintf(stderr, "postconf: warning: %s: unknown parameter\n", n.c_str());
      continue;
    }
    print(f, n, *v);
  }
  return status;
}

// docs/parameters.md: the reference generated from the parameter table.
int reference() {
  std::printf("# Parameter reference\n\n"
              "Generated by `tern conf --reference` from src/config/params.def; do not edit.\n"
              "Defaults are main.cf text; `$name` expands at use. \"(computed)\" defaults are\n"
              "derived from the machine or the configuration directory.\n\n"
              "| parameter | type | default | description |\n|---|---|---|---|\n");
  for (const auto& p : config::param_table()) {
    std::string def = p.def.empty() ? "(computed)" : "`" + std::string(p.def) + "`";
    std::string doc(p.doc);
    for (size_t i = 0; (i = doc.find('|', i)) != std::string::npos; i += 2) doc.replace(i, 1, "\\|");
    for (size_t i = 0; (i = def.find('|', i)) != std::string::npos; i += 2) def.replace(i, 1, "\\|");
    std::printf("| `%s` | %s | %s | %s |\n", std::string(p.name).c_str(),
                std::string(config::type_name(p.type)).c_str(), def.c_str(), doc.c_str());
  }
  return 0;
}

}  // namespace

int postconf_main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--reference") return reference();
  Flags f;
  std::string dir;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "c:dnhxeXM")) != -1) {
    switch (c) {
      case 'c': dir = optarg; break;
      case 'd': f.defaults = true; break;
      case 'n': f.nondefault = true; break;
      case 'h': f.values_only = true; break;
      case 'x': f.expand = true; break;
      case 'e': f.edit = true; break;
      case 'X': f.remove = true; break;
      case 'M': f.master = true; break;
      default: return usage();
    }
  }
  for (int i = optind; i < argc; ++i) f.args.emplace_back(argv[i]);
  f.dir = config::default_directory(dir);
  if (f.defaults && f.nondefault) return usage();
  if (f.edit || f.remove) return edit(f);
  if (f.master) return show_master(f);
  return show(f);
}

}  // namespace tern::cli
