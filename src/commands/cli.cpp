#include "scanhpc/commands/cli.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace scanhpc::commands {

bool launcher_root() {
  for (const char* var : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"}) {
    const char* v = std::getenv(var);
    if (v && *v) return std::atoi(v) == 0;
  }
  return true;
}

int usage_error(const std::string& command, const std::string& message) {
  if (launcher_root())
    std::fprintf(stderr, "scanhpc %s: %s\n(see scanhpc %s --help)\n", command.c_str(), message.c_str(),
                 command.c_str());
  else
    // The launcher ends the job at the first rank that exits non-zero: were
    // it this one, rank 0 could be killed before it printed why. Rank 0's
    // exit ends the job as soon as the message is out.
    ::sleep(2);
  return 2;
}

int usage_error(const std::string& command, const std::exception& e) { return usage_error(command, e.what()); }

ParsedCommand parse_command(const Args& args, po::options_description& options, const std::string& positional_name) {
  options.add_options()
      ("help,h", "show this help")
      ("config", po::value<std::string>(), "read options from an INI file (command line wins)")
      ("dump-config", "print the effective configuration as INI (readable by --config) and exit");
  ParsedCommand out;
  try {
    po::positional_options_description pos;
    if (!positional_name.empty()) pos.add(positional_name.c_str(), -1);
    po::store(po::command_line_parser(args).options(options).positional(pos).run(), out.vm);
    if (out.vm.count("config")) {
      const auto path = out.vm["config"].as<std::string>();
      std::ifstream in(path);
      if (!in) throw UsageError("cannot read config file " + path);
      po::store(po::parse_config_file(in, options), out.vm);
    }
    out.help = out.vm.count("help") > 0;
    out.dump_config = out.vm.count("dump-config") > 0;
    if (!out.help) po::notify(out.vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  return out;
}

namespace {
// Renders the option value types scanhpc uses; others are skipped.
bool render(const boost::any& v, std::vector<std::string>& out) {
  if (auto* s = boost::any_cast<std::string>(&v)) { out.push_back(*s); return true; }
  if (auto* i = boost::any_cast<int>(&v)) { out.push_back(std::to_string(*i)); return true; }
  if (auto* u = boost::any_cast<uint64_t>(&v)) { out.push_back(std::to_string(*u)); return true; }
  if (auto* u = boost::any_cast<unsigned>(&v)) { out.push_back(std::to_string(*u)); return true; }
  if (auto* d = boost::any_cast<double>(&v)) {
    char buf[32];  // the shortest text that reads back as the same double
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);
    out.emplace_back(buf, ec == std::errc() ? end : buf);
    return true;
  }
  if (auto* b = boost::any_cast<bool>(&v)) { out.push_back(*b ? "true" : "false"); return true; }
  if (auto* vs = boost::any_cast<std::vector<std::string>>(&v)) {
    out.insert(out.end(), vs->begin(), vs->end());
    return true;
  }
  return false;
}
}  // namespace

std::string effective_config(const po::options_description& options, const po::variables_map& vm) {
  std::string out;
  for (const auto& opt : options.options()) {
    const std::string& name = opt->long_name();
    if (name == "help" || name == "config" || name == "dump-config" || !vm.count(name)) continue;
    std::vector<std::string> values;
    if (!render(vm[name].value(), values)) continue;
    out += "# " + opt->description() + "\n";
    for (const auto& v : values) out += name + " = " + v + "\n";
  }
  return out;
}

}  // namespace scanhpc::commands
