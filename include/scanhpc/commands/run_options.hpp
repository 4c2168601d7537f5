#pragma once
// The options every command that reads inputs and writes results shares,
// declared once so that each has the same name, default and help text in
// every command: --on-error, --threads, --quiet, --exchange-round-mb,
// --force, --allow-empty. (The output option differs by command: a file or
// a directory, with its own default.)
#include <cstdint>

#include "scanhpc/commands/cli.hpp"

namespace scanhpc::commands {

struct RunOptions {
  bool fail_on_error = false;  // --on-error fail
  int threads = 0;             // 0: OMP_NUM_THREADS or all cores
  bool quiet = false;
  uint64_t round_bytes = uint64_t(64) << 20;
  bool force = false;        // outputs that exist may be replaced
  bool allow_empty = false;  // no record used: exit 0, not 3
};

void add_run_options(po::options_description& options);
// Reads them back; throws UsageError naming the bad option.
RunOptions run_options_from(const po::variables_map& vm);

}  // namespace scanhpc::commands
