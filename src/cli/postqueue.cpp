// postqueue -p / mailq / tern queue: the queue listing, read from the queue directory.
// The rest of postqueue (-j, -f, -i, -s) arrives with the queue issue and says so.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "cli/commands.hpp"
#include "config/config.hpp"
#include "queue/listing.hpp"
#include "queue/store.hpp"

namespace tern::cli {

namespace {
int list(const std::string& dir) {
  auto cfg = config::load({dir, false});
  if (!cfg) {
    std::fprintf(stderr, "postqueue: fatal: %s\n", cfg.error().message.c_str());
    return 1;
  }
  auto store = queue::open_file_store((*cfg)->params.queue_directory);
  if (!store) {
    std::fprintf(stderr, "postqueue: fatal: %s\n", store.error().message.c_str());
    return 1;
  }
  std::fputs(queue::format_mailq(queue::list_queue(**store)).c_str(), stdout);
  return 0;
}
}  // namespace

int postqueue_main(int argc, char** argv) {
  std::string dir;
  bool print = false;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "c:pjfi:s:v")) != -1) {
    switch (c) {
      case 'c': dir = optarg; break;
      case 'p': print = true; break;
      case 'v': break;
      case 'j': case 'f': case 'i': case 's':
        std::fprintf(stderr, "postqueue: fatal: -%c is not implemented yet\n", c);
        return 69;  // EX_UNAVAILABLE
      default:
        std::fprintf(stderr, "usage: postqueue [-c config_dir] -p\n");
        return 64;
    }
  }
  if (!print) {
    std::fprintf(stderr, "usage: postqueue [-c config_dir] -p\n");
    return 64;
  }
  return list(config::default_directory(dir));
}

int mailq_main(int argc, char** argv) {
  std::string dir;
  int c;
  optind = 1;
  while ((c = ::getopt(argc, argv, "C:c:v")) != -1)
    if (c == 'C' || c == 'c') dir = optarg;
  return list(config::default_directory(dir));
}

}  // namespace tern::cli
