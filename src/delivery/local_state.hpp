// Private to local.cpp and local_targets.cpp: LocalDelivery's settings and the state of
// one recipient's delivery (Job) and of one step of its expansion (Hop).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "delivery/local.hpp"

namespace tern::delivery {

struct LocalDelivery::Settings {
  std::shared_ptr<maps::MapList> aliases;
  std::shared_ptr<maps::UserDb> users;
  std::string home_mailbox, spool, myorigin, delimiters;
  std::vector<std::string> mydestination;
  std::string mailbox_transport, fallback_transport;
  std::function<std::optional<std::string>(std::string_view)> raw;  // unexpanded main.cf
  std::vector<std::string> forward_path;     // unexpanded
  std::string luser_relay, mailbox_command;  // unexpanded
  std::set<TargetSource> commands_ok, files_ok;
  bool delivered_command = true, delivered_file = true, delivered_forward = true;
  bool owner_request_special = true, expand_owner_alias = false;
  std::string shell;   // local_command_shell ("" is /bin/sh)
  std::string command_cwd;  // queue_directory, as local(8) runs commands there
  std::string filter;  // command_expansion_filter
  std::vector<std::string> export_environment;
  double command_time_limit = 1000;
  MboxOptions mbox;
  long euid = 0;
  long default_uid = -1, default_gid = -1;  // default_privs; -1: no such user
};

// One envelope recipient's delivery.
struct LocalDelivery::Job {
  const Request& req;
  const Message& m;
  const Recipient& rcpt;
  size_t index;
  std::vector<DeliveryResult> out;
  std::set<std::string> seen;           // targets delivered already (duplicates are dropped)
  std::set<std::string> aliases_done;   // alias keys expanded already
  std::set<std::string> forwards_done;  // users whose .forward was expanded already
};

// The address being delivered at one level of expansion.
struct LocalDelivery::Hop {
  std::string address;  // user+ext@domain
  std::string local, domain, user, extension;
  std::string sender;   // envelope sender for Return-Path (VERP applied, or owner-list)
  bool owner_sender = false;  // `sender` is an owner-list alias: forwarded copies use it
  int depth = 0;
  bool backslash = false;  // "\user": the mailbox, without aliases and .forward
  bool relayed = false;    // luser_relay applied already
  // The user whose .forward (or mailbox) this is: their identity and privileges apply.
  // Unset for alias targets.
  std::optional<maps::LocalUser> user_owned;
};

}  // namespace tern::delivery
