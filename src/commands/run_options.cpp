#include "scanhpc/commands/run_options.hpp"

namespace scanhpc::commands {

void add_run_options(po::options_description& o) {
  o.add_options()
      ("on-error", po::value<std::string>()->default_value("skip"),
       "bad files or records: skip (count, report, go on) or fail (exit non-zero, no output)")
      ("threads", po::value<int>()->default_value(0), "OpenMP threads per rank (0: OMP_NUM_THREADS or all cores)")
      ("quiet,q", po::bool_switch()->default_value(false), "no progress or summary on stderr")
      ("exchange-round-mb", po::value<uint64_t>()->default_value(64),
       "most bytes a rank sends or receives in one round of an exchange, in MiB")
      ("force", po::bool_switch()->default_value(false), "replace outputs that exist (never an input)")
      ("allow-empty", po::bool_switch()->default_value(false),
       "exit 0 when no record is used or no file selected (default: exit 3)");
}

RunOptions run_options_from(const po::variables_map& vm) {
  RunOptions r;
  const auto on_error = vm["on-error"].as<std::string>();
  if (on_error != "skip" && on_error != "fail") throw UsageError("--on-error: expected skip or fail");
  r.fail_on_error = on_error == "fail";
  r.threads = vm["threads"].as<int>();
  if (r.threads < 0) throw UsageError("--threads must be >= 0");
  r.quiet = vm["quiet"].as<bool>();
  r.round_bytes = vm["exchange-round-mb"].as<uint64_t>() << 20;
  if (r.round_bytes == 0) throw UsageError("--exchange-round-mb must be positive");
  r.force = vm["force"].as<bool>();
  r.allow_empty = vm["allow-empty"].as<bool>();
  return r;
}

}  // namespace scanhpc::commands
