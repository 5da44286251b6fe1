// The pipe delivery agent (Postfix's pipe(8)): hands a message to an external command
// named in master.cf, e.g.
//   bounce  unix  -  n  n  -  -  pipe
//     flags=RX user=nobody argv=/srv/scripts/mail_bounce_handler ${extension}
// One command run per job, with all the job's recipients (<service>_destination_recipient_limit,
// default $default_destination_recipient_limit; the D and O flags need 1). The command's
// time limit is <service>_time_limit, default $command_time_limit. Its environment holds
// the export_environment names (MAIL_CONFIG is the configuration directory) and
// PATH=/usr/bin:/bin; its working directory is directory= or the queue directory.
//
// SECURITY: user= may not name root or group 0, as in pipe(8). Unlike pipe(8), user= may
// name mail_owner: Tern's agents run inside the queue role as mail_owner, which cannot
// change uid, so a command runs only as the role's own user (or, if the role ever runs as
// root, the child switches to user= before exec). A user= naming anyone else runs through
// the privileged delivery helper (Request::privileged, present when ternd runs as root);
// without one the mail is deferred with a reason saying so.
#pragma once
#include <memory>

#include "delivery/agent.hpp"

namespace tern::delivery {

Result<std::unique_ptr<Agent>> make_pipe_agent(const AgentContext& c);

}  // namespace tern::delivery
