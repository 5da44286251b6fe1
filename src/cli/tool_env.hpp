// What every queue tool needs before it acts: the configuration (from -c, $MAIL_CONFIG or
// /etc/tern) and its queue directory, with Postfix-style "NAME: fatal: …" diagnostics,
// and the daemon's control socket.
#pragma once
#include <memory>
#include <string>

#include "config/config.hpp"
#include "queue/control.hpp"

namespace tern::cli {

// Prints "NAME: fatal: TEXT" / "NAME: warning: TEXT" / "NAME: TEXT" on stderr.
void fatal_msg(const char* name, const std::string& text);
void warning_msg(const char* name, const std::string& text);
void info_msg(const char* name, const std::string& text);

// The loaded configuration, or nullptr after printing why not.
std::shared_ptr<const config::Config> load_config(const char* name, const std::string& dir_flag);

// Asks the daemon for `verb`: "" when it did, else why not ("…not running…" when no
// daemon listens; see daemon_down()).
std::string control(const std::string& queue_directory, queue::ControlVerb verb,
                    const std::string& arg = "");
bool daemon_down(const std::string& control_error);

}  // namespace tern::cli
