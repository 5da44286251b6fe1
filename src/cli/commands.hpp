// The admin commands. Each takes argv as its compat name would (argv[0] = the command
// name) and returns the process exit status. `tern SUB …` and the Postfix names
// (postconf, postqueue, mailq, …) both end up here.
#pragma once
#include <string>

namespace tern::cli {

int postconf_main(int argc, char** argv);
int postqueue_main(int argc, char** argv);
int mailq_main(int argc, char** argv);
int reload_main(int argc, char** argv);
int postsuper_main(int argc, char** argv);
int sendmail_main(int argc, char** argv);
int qshape_main(int argc, char** argv);
int route_main(int argc, char** argv);
int dns_main(int argc, char** argv);
int postmap_main(int argc, char** argv);
int postalias_main(int argc, char** argv);
int newaliases_main(int argc, char** argv);
int check_main(int argc, char** argv);       // tern check spf|dkim|dmarc (check.cpp)
int check_spf_main(int argc, char** argv);   // tern check spf
int check_reputation_main(int argc, char** argv);  // tern check reputation
int check_dkim_main(int argc, char** argv);  // tern check dkim
int check_dmarc_main(int argc, char** argv); // tern check dmarc (check_dmarc.cpp)
int dkim_main(int argc, char** argv);        // tern dkim keygen
int check_tls_main(int argc, char** argv);   // tern check tls
int dane_main(int argc, char** argv);        // tern dane tlsa
int dmarc_main(int argc, char** argv);        // tern dmarc report (dmarc.cpp)
int tls_report_main(int argc, char** argv);  // tern tls-report (tls_report.cpp)
int policy_main(int argc, char** argv);      // tern policy query (policy_query.cpp)
int greylist_main(int argc, char** argv);    // tern greylist list|purge|whitelist-check|ask
int verify_main(int argc, char** argv);      // tern verify ADDRESS… (verify.cpp)
// The addresses' verification results from the running daemon, printed (tern verify,
// sendmail -bv); waits up to `wait_seconds` for probes to finish.
int verify_addresses(const char* name, const std::string& dir, int wait_seconds, char** addresses, int count);
int dispatch(int argc, char** argv);

}  // namespace tern::cli
