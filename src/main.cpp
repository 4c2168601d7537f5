// scanhpc: MPI + OpenMP toolkit for Internet measurement data.
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/commands.hpp"
#include "scanhpc/core/build_info.hpp"
#include "scanhpc/dist/mpi.hpp"

namespace {
constexpr const char* kUsage =
    "usage: scanhpc <command> [options] [INPUT...]\n"
    "\n"
    "commands:\n"
    "  scan    ingest masscan output (any format) and write multiprobe and host analyses to HDF5\n"
    "  info    print the layout and provenance of a scanhpc HDF5 file, or a table's first rows\n"
    "  export  write one table of a scanhpc HDF5 file as CSV (or CSV.gz)\n"
    "  gps     GPS service prediction: gps model|predict|evaluate|simulate\n"
    "  flow    STARDUST flowtuples (FT3/FT4 Avro): flow convert|top|series|intersect\n"
    "  ports   ports as categories (seed 003): top ports, unique sources per day and sensor\n"
    "  gather  one table of the runs of a sweep (a SLURM job array): parameters, run facts, headlines\n"
    "  synth   write deterministic synthetic data (synth masscan|gps|flowtuple ...)\n"
    "\n"
    "Run `scanhpc <command> --help` for the options of a command.\n"
    "Run under mpirun for several ranks; without mpirun it runs as one rank.\n"
    "\n"
    "Outputs that exist are replaced only with --force, and never an input.\n"
    "Exit status: 0 success, 1 failure, 2 usage error, 3 nothing used (inputs\n"
    "given but no record used or no file selected; --allow-empty makes it 0),\n"
    "130 and 143 interrupted by SIGINT and SIGTERM (no output is left).\n";
}

int main(int argc, char** argv) {
  scanhpc::commands::set_command_line(argc, argv);
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("scanhpc %s (%s)\n", scanhpc::version(), scanhpc::git_commit());
    return 0;
  }
  if (!std::strcmp(argv[1], "--mpi-check")) {
    // For job scripts: does this launch give one MPI world? Rank 0 prints its size.
    try {
      scanhpc::dist::Environment mpi(nullptr, nullptr);
      scanhpc::dist::Comm world(MPI_COMM_WORLD);
      if (world.rank() == 0) std::printf("%d\n", world.size());
      return 0;
    } catch (const std::exception& e) {
      if (scanhpc::commands::launcher_root()) std::fprintf(stderr, "scanhpc: error: %s\n", e.what());
      return 1;
    }
  }
  std::string command = argv[1];
  scanhpc::commands::Args args(argv + 2, argv + argc);
  try {
    if (command == "scan") return scanhpc::commands::scan(args);
    if (command == "info") return scanhpc::commands::info(args);
    if (command == "synth") return scanhpc::commands::synth(args);
    if (command == "gps") return scanhpc::commands::gps(args);
    if (command == "flow") return scanhpc::commands::flow(args);
    if (command == "ports") return scanhpc::commands::ports_command(args);
    if (command == "export") return scanhpc::commands::export_command(args);
    if (command == "gather") return scanhpc::commands::gather(args);
  } catch (const std::exception& e) {
    if (scanhpc::commands::launcher_root()) std::fprintf(stderr, "scanhpc %s: error: %s\n", command.c_str(), e.what());
    return 1;
  }
  if (scanhpc::commands::launcher_root())
    std::fprintf(stderr, "scanhpc: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}
