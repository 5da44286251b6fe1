// tern: the admin tool, and under the Postfix names (postconf, mailq, …) their
// compatible front ends; see cli/dispatch.cpp.
#include "cli/commands.hpp"

int main(int argc, char** argv) { return tern::cli::dispatch(argc, argv); }
