// scanhpc synth <kind> ...: deterministic synthetic inputs.
//   synth masscan: a masscan scan in any of masscan's text formats.
//   synth gps:     an all-ports ground-truth scan with banners and planted
//                  co-occurrence structure, for GPS (issue 3).
//   synth flowtuple: telescope traffic as FT3/FT4 Avro (synth_flowtuple.cpp).
#include <boost/program_options.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "scanhpc/commands/commands.hpp"
#include "scanhpc/commands/flow_commands.hpp"
#include "scanhpc/commands/interrupts.hpp"
#include "scanhpc/core/fault_injection.hpp"
#include "scanhpc/io/output_check.hpp"
#include "scanhpc/io/masscan_writer.hpp"
#include "scanhpc/io/synth_gps.hpp"
#include "scanhpc/io/synth_masscan.hpp"

namespace po = boost::program_options;

namespace scanhpc::commands {
namespace {

constexpr const char* kSynthUsage =
    "usage: scanhpc synth <kind> [options]\n"
    "\n"
    "kinds:\n"
    "  masscan   a deterministic synthetic masscan scan (any text format)\n"
    "  gps       a deterministic all-ports ground truth with banners and planted\n"
    "            service co-occurrence, for `scanhpc gps`\n"
    "  flowtuple deterministic darknet telescope traffic as FT3 or FT4 Avro files,\n"
    "            for `scanhpc flow`\n"
    "  honeypot  deterministic honeypot logs (marx CSV layout), for `scanhpc ports`\n"
    "\n"
    "Run `scanhpc synth <kind> --help` for the options of a kind.\n";

// Writes through a MasscanWriter built on `output` ('-' = standard output).
// Returns 0, or 1 after printing an error; `bytes` gets the bytes written.
template <class Fill>
int write_output(const char* kind, const std::string& output, bool force, const std::string& format, Fill&& fill,
                 uint64_t& bytes) {
  const bool to_stdout = output == "-";
  if (std::string why = local_output_problem({output, false, true}, force); !why.empty()) {
    std::fprintf(stderr, "scanhpc synth %s: %s\n", kind, why.c_str());
    return 1;
  }
  install_interrupt_handlers();
  // A regular file is written under a temporary name and renamed on success;
  // a device or pipe (/dev/null, /dev/stdout, a fifo) is written directly.
  struct stat st {};
  const bool special = !to_stdout && ::stat(output.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
  const bool use_tmp = !to_stdout && !special;
  const std::string tmp = use_tmp ? output + ".tmp." + std::to_string(::getpid()) : output;
  if (use_tmp) remove_on_interrupt(tmp);
  std::FILE* f = to_stdout ? stdout : std::fopen(tmp.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "scanhpc synth %s: cannot write %s: %s\n", kind, output.c_str(), std::strerror(errno));
    if (use_tmp) keep_on_interrupt(tmp);
    return 1;
  }
  if (!to_stdout) std::setvbuf(f, nullptr, _IONBF, 0);  // the writer buffers in large blocks

  try {
    MasscanWriter writer(format, f);
    fill(writer);
    bytes = writer.bytes();
    fault_point("synth-commit");
    if (!to_stdout) {
      if (std::fclose(f) != 0) {
        f = nullptr;
        throw std::runtime_error(std::string("close failed: ") + std::strerror(errno));
      }
      f = nullptr;
      if (use_tmp && std::rename(tmp.c_str(), output.c_str()) != 0)
        throw std::runtime_error("cannot rename to '" + output + "': " + std::strerror(errno));
      if (use_tmp) keep_on_interrupt(tmp);
    }
  } catch (const std::exception& e) {
    if (!to_stdout) {
      if (f) std::fclose(f);
      if (use_tmp) std::remove(tmp.c_str());
      if (use_tmp) keep_on_interrupt(tmp);
    }
    std::fprintf(stderr, "scanhpc synth %s: %s: %s\n", kind, to_stdout ? "<stdout>" : output.c_str(), e.what());
    return 1;
  }
  return 0;
}

int synth_masscan(const Args& args) {
  SynthMasscanOptions opt;
  std::string output;
  bool quiet = false, force = false;
  po::options_description desc(
      "usage: scanhpc synth masscan --services N [--seed S] -o FILE [options]\n"
      "\n"
      "Writes a synthetic masscan scan shaped after a 2021 IPv4-wide scan: N distinct\n"
      "(ip, port) services, probes per service in the published proportions (classes\n"
      "of 2..5 probes scaled by --multiprobe-boost), records in timestamp order.\n"
      "The bytes depend only on the options.\n"
      "\n"
      "options");
  desc.add_options()
      ("help,h", "print this help")
      ("services,n", po::value<uint64_t>(&opt.services)->required(), "distinct (ip, port) services")
      ("seed,s", po::value<uint64_t>(&opt.seed)->default_value(1), "random seed")
      ("output,o", po::value<std::string>(&output)->required(), "output file ('-' = standard output)")
      ("format,f", po::value<std::string>(&opt.format)->default_value("json"),
       "json (-oJ), ndjson (-oD), list (-oL), grepable (-oG) or xml (-oX)")
      ("banner-fraction", po::value<double>(&opt.banner_fraction)->default_value(0),
       "share of services that also get banner records, 0..1")
      ("multiprobe-boost", po::value<double>(&opt.multiprobe_boost)->default_value(1),
       "factor on the share of services probed 2..5 times")
      ("start-time", po::value<uint32_t>(&opt.start_time)->default_value(opt.start_time),
       "first timestamp (Unix seconds)")
      ("duration", po::value<uint32_t>(&opt.duration_s)->default_value(opt.duration_s),
       "seconds over which services are spread")
      ("force", po::bool_switch(&force), "replace the output if it exists")
      ("quiet,q", po::bool_switch(&quiet), "no summary line on stderr");

  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help")) {
      std::ostringstream os;
      os << desc;
      std::fputs(os.str().c_str(), stdout);
      return 0;
    }
    po::notify(vm);
    validate(opt);
    if (!parse_masscan_text_format(opt.format))
      throw std::invalid_argument("unknown --format '" + opt.format + "' (json, ndjson, list, grepable, xml)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scanhpc synth masscan: %s\nRun `scanhpc synth masscan --help` for usage.\n", e.what());
    return 2;
  }

  auto t0 = std::chrono::steady_clock::now();
  uint64_t records = 0, bytes = 0;
  if (int rc = write_output("masscan", output, force, opt.format,
                            [&](MasscanWriter& writer) { records = write_synthetic_masscan(opt, writer); }, bytes))
    return rc;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!quiet)
    std::fprintf(stderr,
                 "scanhpc synth masscan: %llu services, %llu records, %llu bytes (%s) to %s in %.2f s\n",
                 (unsigned long long)opt.services, (unsigned long long)records, (unsigned long long)bytes,
                 opt.format.c_str(), output == "-" ? "<stdout>" : output.c_str(), secs);
  return 0;
}

int synth_gps(const Args& args) {
  SynthGpsOptions opt;
  std::string output;
  bool quiet = false, force = false;
  po::options_description desc(
      "usage: scanhpc synth gps --hosts N [--seed S] -o FILE [options]\n"
      "\n"
      "Writes the ground truth of an all-ports masscan scan of N responsive hosts:\n"
      "one status record per open service and banner records (http, http.server,\n"
      "title, ssh, ssl, smtp, ...), with planted device profiles (cisco 80 + 60443,\n"
      "windows 135/445/3389, ssh + databases, web, mail, IoT, Elasticsearch,\n"
      "printers, vendor admin UIs on unusual ports), single-port hosts, a /16-\n"
      "clustered long tail of random ports, service sinks and noise, in Zipf-\n"
      "weighted /16s. The bytes depend only on the options.\n"
      "\n"
      "options");
  desc.add_options()
      ("help,h", "print this help")
      ("hosts,n", po::value<uint64_t>(&opt.hosts)->required(), "responsive hosts")
      ("seed,s", po::value<uint64_t>(&opt.seed)->default_value(1), "random seed")
      ("output,o", po::value<std::string>(&output)->required(), "output file ('-' = standard output)")
      ("format,f", po::value<std::string>(&opt.format)->default_value("json"),
       "json (-oJ), ndjson (-oD), list (-oL), grepable (-oG) or xml (-oX)")
      ("ports-universe", po::value<uint32_t>(&opt.ports_universe)->default_value(opt.ports_universe),
       "random ports (tail, extras, sinks) are drawn from 1..this")
      ("hosts-per-slash16", po::value<uint32_t>(&opt.hosts_per_slash16)->default_value(opt.hosts_per_slash16),
       "density: hosts are spread over hosts/this /16s (Zipf-weighted)")
      ("start-time", po::value<uint32_t>(&opt.start_time)->default_value(opt.start_time),
       "first timestamp (Unix seconds)")
      ("duration", po::value<uint32_t>(&opt.duration_s)->default_value(opt.duration_s),
       "seconds over which hosts are spread")
      ("list-profiles", "print the planted profiles and exit")
      ("force", po::bool_switch(&force), "replace the output if it exists")
      ("quiet,q", po::bool_switch(&quiet), "no summary line on stderr");

  try {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(desc).run(), vm);
    if (vm.count("help")) {
      std::ostringstream os;
      os << desc;
      std::fputs(os.str().c_str(), stdout);
      return 0;
    }
    if (vm.count("list-profiles")) {
      std::printf("profile\tshare\tports\toptional\tmarker\tdescription\n");
      for (const auto& p : synthetic_gps_profiles()) {
        std::string ports, optional, marker;
        for (auto x : p.ports) {
          if (!ports.empty()) ports += ',';
          ports += std::to_string(x);
        }
        for (size_t i = 0; i < p.optional_ports.size(); ++i) {
          if (!optional.empty()) optional += ',';
          optional += std::to_string(p.optional_ports[i]);
          if (p.optional_percent[i]) {
            optional += '(';
            optional += std::to_string(p.optional_percent[i]);
            optional += "%)";
          }
        }
        if (!p.marker_service.empty()) {
          marker = std::to_string(p.marker_port);
          marker += ' ';
          marker += p.marker_service;
          marker += ": ";
          marker += p.marker_banner;
        }
        std::printf("%.*s\t%.2f%%\t%s\t%s\t%s\t%.*s\n", int(p.name.size()), p.name.data(),
                    100.0 * p.weight / 65536.0, ports.empty() ? "-" : ports.c_str(),
                    optional.empty() ? "-" : optional.c_str(), marker.empty() ? "-" : marker.c_str(),
                    int(p.description.size()), p.description.data());
      }
      return 0;
    }
    po::notify(vm);
    validate(opt);
    if (!parse_masscan_text_format(opt.format))
      throw std::invalid_argument("unknown --format '" + opt.format + "' (json, ndjson, list, grepable, xml)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scanhpc synth gps: %s\nRun `scanhpc synth gps --help` for usage.\n", e.what());
    return 2;
  }

  auto t0 = std::chrono::steady_clock::now();
  SynthGpsSummary sum;
  uint64_t bytes = 0;
  if (int rc = write_output("gps", output, force, opt.format,
                            [&](MasscanWriter& writer) { sum = write_synthetic_gps(opt, writer); }, bytes))
    return rc;
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!quiet)
    std::fprintf(stderr,
                 "scanhpc synth gps: %llu hosts, %llu services, %llu banner records, %llu records, %llu bytes "
                 "(%s) to %s in %.2f s\n",
                 (unsigned long long)sum.hosts, (unsigned long long)sum.services,
                 (unsigned long long)sum.banner_records, (unsigned long long)sum.records,
                 (unsigned long long)bytes, opt.format.c_str(), output == "-" ? "<stdout>" : output.c_str(), secs);
  return 0;
}

}  // namespace

int synth(const Args& args) {
  if (args.empty()) {
    std::fputs(kSynthUsage, stderr);
    return 2;
  }
  const std::string& kind = args[0];
  if (kind == "--help" || kind == "-h") {
    std::fputs(kSynthUsage, stdout);
    return 0;
  }
  Args rest(args.begin() + 1, args.end());
  if (kind == "masscan") return synth_masscan(rest);
  if (kind == "gps") return synth_gps(rest);
  if (kind == "flowtuple") return synth_flowtuple(rest);
  if (kind == "honeypot") return synth_honeypot(rest);
  std::fprintf(stderr, "scanhpc synth: unknown kind '%s'\n\n%s", kind.c_str(), kSynthUsage);
  return 2;
}

}  // namespace scanhpc::commands
