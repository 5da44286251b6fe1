// Configuration loading, diagnostics and control requests for the queue tools; see
// tool_env.hpp.
#include "cli/tool_env.hpp"

#include <cstdio>

namespace tern::cli {

void fatal_msg(const char* name, const std::string& text) {
  std::fprintf(stderr, "%s: fatal: %s\n", name, text.c_str());
}
void warning_msg(const char* name, const std::string& text) {
  std::fprintf(stderr, "%s: warning: %s\n", name, text.c_str());
}
void info_msg(const char* name, const std::string& text) {
  std::fprintf(stderr, "%s: %s\n", name, text.c_str());
}

std::shared_ptr<const config::Config> load_config(const char* name, const std::string& dir_flag) {
  auto cfg = config::load({config::default_directory(dir_flag), false});
  if (!cfg) {
    fatal_msg(name, cfg.error().message);
    return nullptr;
  }
  return *cfg;
}

std::string control(const std::string& queue_directory, queue::ControlVerb verb,
                    const std::string& arg) {
  auto r = queue::control_request(queue_directory, {verb, arg});
  return r ? std::string() : r.error().message;
}

bool daemon_down(const std::string& control_error) {
  return control_error.find("not running") != std::string::npos;
}

}  // namespace tern::cli
