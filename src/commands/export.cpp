// scanhpc export FILE.h5 GROUP: one table as CSV (or gzip-compressed CSV).
// Serial and MPI-free: it reads one file and writes one stream.
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/interrupts.hpp"
#include "scanhpc/commands/table_csv.hpp"
#include "scanhpc/commands/text_output.hpp"
#include "scanhpc/io/output_check.hpp"

namespace scanhpc::commands {
namespace {

constexpr const char* kHelp =
    "usage: scanhpc export FILE.h5 GROUP [-o OUT.csv | OUT.csv.gz] [--dotted-ip] [--iso-times] [--force]\n"
    "\n"
    "Writes the table GROUP of FILE.h5 (a group of equal-length columns, e.g. /hosts/table) as CSV:\n"
    "a header with the column names in the order the table was written, then one line per row.\n"
    "Strings are quoted when they hold a comma, a quote or a line break (RFC 4180); integers are\n"
    "exact; doubles are the shortest text that reads back as the same double. An output named\n"
    "*.gz is gzip-compressed. Without -o, or with -o -, the CSV goes to standard output.\n"
    "Which columns are addresses and times: a dataset attribute `units` (ipv4, unix seconds,\n"
    "days since 1970-01-01), else the column name (ip, src_ip, dst_net, prefix, saddr, src;\n"
    "first_seen, last_seen, time, timestamp; day): docs/hdf5-layout.md, \"export\".\n"
    "One process, no mpirun. Exit status: 0 success, 1 failure, 2 usage error.\n"
    "\n";

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

int export_command(const Args& args) {
  po::options_description options("export options");
  options.add_options()
      ("args", po::value<std::vector<std::string>>(), "FILE.h5 GROUP")
      ("output,o", po::value<std::string>()->default_value("-"), "the CSV file (*.gz: gzip); - is standard output")
      ("dotted-ip", po::bool_switch()->default_value(false), "IPv4 columns (u32) as dotted quads")
      ("iso-times", po::bool_switch()->default_value(false),
       "Unix-second columns as 2021-03-04T05:06:07Z, day-number columns as 2021-03-04 (UTC)")
      ("force", po::bool_switch()->default_value(false), "replace an output that exists (never the input)")
      ("quiet,q", po::bool_switch()->default_value(false), "no summary line on standard error");
  ParsedCommand parsed;
  try {
    parsed = parse_command(args, options, "args");
  } catch (const UsageError& e) {
    return usage_error("export", e);
  }
  if (parsed.help) {
    std::cout << kHelp << options;
    return 0;
  }
  const auto& vm = parsed.vm;
  if (parsed.dump_config) {
    std::cout << effective_config(options, vm);
    return 0;
  }
  const auto positional = vm.count("args") ? vm["args"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (positional.size() != 2) return usage_error("export", "expected FILE.h5 GROUP, got " + std::to_string(positional.size()) + " argument(s)");
  const std::string& input = positional[0];
  const std::string& group = positional[1];
  const std::string output = vm["output"].as<std::string>();
  const bool force = vm["force"].as<bool>();
  const bool quiet = vm["quiet"].as<bool>();
  const csv::Readable readable{vm["dotted-ip"].as<bool>(), vm["iso-times"].as<bool>()};
  const bool to_stdout = output == "-";

  if (!to_stdout) {
    std::string why = local_output_is_input({output}, {input});
    if (why.empty()) why = local_output_problem({output, false, true}, force);
    if (!why.empty()) {
      std::fprintf(stderr, "scanhpc export: %s\n", why.c_str());
      return 1;
    }
  }
  h5::silence_diagnostics();
  std::optional<h5::File> file;
  std::optional<h5::TableReader> table;
  try {
    file.emplace(h5::File::open_read(input));
    table.emplace(*file, group);
  } catch (const h5::NotATable& e) {
    std::fprintf(stderr, "scanhpc export: %s\n", not_a_table_message(*file, input, e).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scanhpc export: %s: %s\n", input.c_str(), e.what());
    return 1;
  }

  // A regular file is written under a temporary name and renamed when
  // complete; a device or pipe (/dev/null, a fifo) is written directly.
  struct stat st {};
  const bool special = !to_stdout && ::stat(output.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
  const bool use_tmp = !to_stdout && !special;
  const std::string target = use_tmp ? output + ".tmp." + std::to_string(::getpid()) : output;
  if (use_tmp) {
    install_interrupt_handlers();
    remove_on_interrupt(target);
  }
  const auto discard = [&] {
    if (!use_tmp) return;
    std::remove(target.c_str());
    keep_on_interrupt(target);
  };
  uint64_t rows = 0;
  std::string error;
  {
    TextOutput out(to_stdout ? std::string() : target, !to_stdout && ends_with(output, ".gz"));
    try {
      if (out.ok()) rows = write_table_csv(*table, readable, UINT64_MAX, [&](std::string_view t) { out.write(t); });
    } catch (const std::exception& e) {
      error = std::string("read ") + input + ": " + e.what();
    }
    if (!out.close() && error.empty()) error = "cannot write " + (to_stdout ? std::string("standard output") : output) + ": " + out.error();
  }
  if (error.empty() && use_tmp && std::rename(target.c_str(), output.c_str()) != 0)
    error = "cannot write " + output + ": " + std::strerror(errno);
  if (!error.empty()) {
    discard();
    std::fprintf(stderr, "scanhpc export: %s\n", error.c_str());
    return 1;
  }
  if (use_tmp) keep_on_interrupt(target);
  if (!quiet && !to_stdout)
    std::fprintf(stderr, "scanhpc export: %s: %llu rows, %zu columns (%s) -> %s\n", table->path().c_str(),
                 static_cast<unsigned long long>(rows), table->columns().size(), table->order().c_str(), output.c_str());
  return 0;
}

}  // namespace scanhpc::commands
