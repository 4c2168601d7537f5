#pragma once
// Shared command-line plumbing: Boost.Program_options with an INI config
// file (command line wins over file, file over defaults), and the effective
// configuration written back as INI that --config reads again.
#include <boost/program_options.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "scanhpc/commands/commands.hpp"

namespace scanhpc::commands {

namespace po = boost::program_options;

// A bad command line or config: exit code 2, message without a stack of causes.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ParsedCommand {
  po::variables_map vm;
  bool help = false;
  bool dump_config = false;
};

// Adds --help, --config FILE and --dump-config to `options`, parses `args`
// (positional arguments go to `positional_name`, if not empty) then the
// config file, and notifies. Throws UsageError.
ParsedCommand parse_command(const Args& args, po::options_description& options,
                            const std::string& positional_name);

// Whether this process is the first rank of its launcher (mpirun, srun), from
// the environment: for messages printed before MPI is up (usage errors).
bool launcher_root();

// Prints "scanhpc COMMAND: MESSAGE (see scanhpc COMMAND --help)" once under
// a launcher (from its first rank) and returns exit code 2.
int usage_error(const std::string& command, const std::exception& e);
int usage_error(const std::string& command, const std::string& message);

// The effective configuration as INI text (every option that has a value,
// except help/config/dump-config), readable by --config.
std::string effective_config(const po::options_description& options, const po::variables_map& vm);

}  // namespace scanhpc::commands
