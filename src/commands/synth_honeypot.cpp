// scanhpc synth honeypot: deterministic marx-layout honeypot logs
// (ports/synth_honeypot.hpp) for `scanhpc ports`. Written under a temporary
// name and renamed when complete.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/flow_commands.hpp"
#include "scanhpc/commands/interrupts.hpp"
#include "scanhpc/core/fault_injection.hpp"
#include "scanhpc/io/output_check.hpp"
#include "scanhpc/ports/synth_honeypot.hpp"

namespace scanhpc::commands {

int synth_honeypot(const Args& args) {
  po::options_description o("synth honeypot options");
  ports::SynthHoneypotOptions s;
  o.add_options()
      ("output,o", po::value<std::string>(), "output CSV file (required; '-' = standard output)")
      ("seed,s", po::value<uint64_t>()->default_value(s.seed), "random seed")
      ("start-day", po::value<uint32_t>()->default_value(s.start_day), "first day (days since 1970-01-01)")
      ("days", po::value<uint32_t>()->default_value(s.days), "days of logs")
      ("sensors", po::value<uint32_t>()->default_value(s.sensors), "honeypots (the first 9 get marx's names)")
      ("events-per-day", po::value<uint32_t>()->default_value(s.events_per_day), "base rows a day over all sensors")
      ("geo", po::bool_switch()->default_value(false), "the 15-column marx-geo form (some locales with commas)")
      ("force", po::bool_switch()->default_value(false), "replace the output if it exists")
      ("quiet,q", po::bool_switch()->default_value(false), "no summary on stderr");
  try {
    auto parsed = parse_command(args, o, "");
    if (parsed.help) {
      std::cout << "usage: scanhpc synth honeypot [options] -o FILE.csv\n\n" << o << "\n";
      return 0;
    }
    if (parsed.dump_config) {
      std::cout << effective_config(o, parsed.vm);
      return 0;
    }
    const auto& vm = parsed.vm;
    if (!vm.count("output")) throw UsageError("-o FILE is required");
    const std::string output = vm["output"].as<std::string>();
    s.seed = vm["seed"].as<uint64_t>();
    s.start_day = vm["start-day"].as<uint32_t>();
    s.days = vm["days"].as<uint32_t>();
    s.sensors = vm["sensors"].as<uint32_t>();
    s.events_per_day = vm["events-per-day"].as<uint32_t>();
    s.geo = vm["geo"].as<bool>();
    const auto t0 = std::chrono::steady_clock::now();
    const bool to_stdout = output == "-";
    if (std::string why = local_output_problem({output, false, true}, vm["force"].as<bool>()); !why.empty())
      throw std::runtime_error(why);
    install_interrupt_handlers();
    const std::string tmp = to_stdout ? output : output + ".tmp." + std::to_string(::getpid());
    if (!to_stdout) remove_on_interrupt(tmp);
    std::FILE* f = to_stdout ? stdout : std::fopen(tmp.c_str(), "wb");
    if (!f) throw std::runtime_error("cannot write " + output + ": " + std::strerror(errno));
    ports::SynthHoneypotTruth truth;
    try {
      truth = ports::write_synth_honeypot(s, f);
      fault_point("synth-commit");
      if (!to_stdout) {
        if (std::fclose(f) != 0) {
          f = nullptr;
          throw std::runtime_error("cannot write " + output + ": " + std::strerror(errno));
        }
        f = nullptr;
        std::filesystem::rename(tmp, output);
        keep_on_interrupt(tmp);
      }
    } catch (...) {
      if (!to_stdout) {
        if (f) std::fclose(f);
        std::remove(tmp.c_str());
        keep_on_interrupt(tmp);
      }
      throw;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!vm["quiet"].as<bool>())
      std::fprintf(stderr, "scanhpc synth honeypot: %llu rows (TCP %llu, UDP %llu, ICMP %llu; %llu duplicates) "
                   "from %u sensors over %u days to %s in %.2f s\n",
                   (unsigned long long)truth.rows, (unsigned long long)truth.tcp_rows,
                   (unsigned long long)truth.udp_rows, (unsigned long long)truth.icmp_rows,
                   (unsigned long long)truth.duplicate_rows, s.sensors, s.days, to_stdout ? "<stdout>" : output.c_str(),
                   secs);
    return 0;
  } catch (const UsageError& e) {
    return usage_error("synth honeypot", e);
  } catch (const std::exception& e) {
    std::cerr << "scanhpc synth honeypot: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace scanhpc::commands
