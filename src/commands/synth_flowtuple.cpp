// scanhpc synth flowtuple: deterministic telescope traffic (flow/synth_flowtuple.hpp)
// written as FT3 files (one a minute, as corsarotrace writes them) or as FT4
// files (one per --interval, aggregated with flow convert's kernel). Serial:
// the output depends only on the options. Files are written under temporary
// names and renamed when all are complete; names that exist are refused
// before anything is generated, unless --force.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/flow_commands.hpp"
#include "scanhpc/commands/interrupts.hpp"
#include "scanhpc/core/fault_injection.hpp"
#include "scanhpc/io/output_check.hpp"
#include "scanhpc/flow/avro.hpp"
#include "scanhpc/flow/convert.hpp"
#include "scanhpc/flow/query.hpp"
#include "scanhpc/flow/synth_flowtuple.hpp"

namespace scanhpc::commands {
namespace fs = std::filesystem;

namespace {

// Every file is written under a hidden temporary name; all are renamed into
// place at the end, so that a failed or interrupted run leaves none.
struct PendingFiles {
  std::vector<std::pair<fs::path, fs::path>> files;  // temporary -> final
  void write(const fs::path& dir, const std::string& name, const flow::Ft3Columns* ft3, const flow::Ft4Columns* ft4,
             const flow::FlowWriteOptions& w) {
    const fs::path tmp = dir / ("." + name + ".tmp." + std::to_string(::getpid()));
    remove_on_interrupt(tmp.string());
    files.emplace_back(tmp, dir / name);
    if (ft3) flow::write_ft3_avro(tmp.string(), *ft3, w);
    else {
      flow::FlowWriteOptions w4 = w;
      w4.block_records = flow::kFt4BlockRecords;  // FT4 blocks as flow convert's
      flow::write_ft4_avro(tmp.string(), *ft4, w4);
    }
  }
  void commit() {
    for (const auto& [tmp, name] : files) {
      fs::rename(tmp, name);
      keep_on_interrupt(tmp.string());
    }
    files.clear();
  }
  ~PendingFiles() {  // not committed: the run failed
    for (const auto& [tmp, name] : files) {
      std::error_code ec;
      fs::remove(tmp, ec);
      keep_on_interrupt(tmp.string());
    }
  }
};

}  // namespace

int synth_flowtuple(const Args& args) {
  po::options_description o("synth flowtuple options");
  flow::SynthFlowOptions s;
  o.add_options()
      ("output,o", po::value<std::string>(), "output directory (required)")
      ("version", po::value<int>()->default_value(4), "3: FT3, one file a minute; 4: FT4, one file per --interval")
      ("seed,s", po::value<uint64_t>()->default_value(s.seed), "random seed")
      ("start-time", po::value<uint32_t>()->default_value(s.start_time), "first minute (Unix seconds)")
      ("minutes", po::value<uint32_t>()->default_value(s.minutes), "minutes of traffic")
      ("records-per-minute", po::value<uint32_t>()->default_value(s.records_per_minute),
       "background FT3 records a minute at the daily mean")
      ("sweepers", po::value<uint32_t>()->default_value(s.sweepers), "masscan-like sources sweeping a /16 each")
      ("population-scale", po::value<uint32_t>()->default_value(s.population_scale),
       "background sources per record a minute, times this (50: a real telescope's source diversity)")
      ("source-net", po::value<std::string>(),
       "every source inside this prefix, e.g. 45.33.0.0/16 (a skewed family for benchmarks)")
      ("interval", po::value<uint32_t>()->default_value(300), "FT4: seconds per file")
      ("dst-prefix", po::value<uint32_t>()->default_value(16), "FT4: destination prefix of the flow key (16 or 24)")
      ("ft4-schema", po::value<std::string>()->default_value("with-counts"),
       "FT4: with-counts (spoofed/masscan packet counts, the newest) or without-counts")
      ("codec", po::value<std::string>()->default_value("deflate"), "Avro codec: deflate or null")
      ("force", po::bool_switch()->default_value(false), "replace files of the same names in DIR")
      ("quiet,q", po::bool_switch()->default_value(false), "no summary on stderr");
  try {
    auto parsed = parse_command(args, o, "");
    if (parsed.help) {
      std::cout << "usage: scanhpc synth flowtuple [options] -o DIR\n\n" << o << "\n";
      return 0;
    }
    if (parsed.dump_config) {
      std::cout << effective_config(o, parsed.vm);
      return 0;
    }
    const auto& vm = parsed.vm;
    if (!vm.count("output")) throw UsageError("-o DIR is required");
    const fs::path dir = vm["output"].as<std::string>();
    const int version = vm["version"].as<int>();
    if (version != 3 && version != 4) throw UsageError("--version: 3 or 4");
    s.seed = vm["seed"].as<uint64_t>();
    s.start_time = vm["start-time"].as<uint32_t>();
    s.minutes = vm["minutes"].as<uint32_t>();
    s.records_per_minute = vm["records-per-minute"].as<uint32_t>();
    s.sweepers = vm["sweepers"].as<uint32_t>();
    s.population_scale = vm["population-scale"].as<uint32_t>();
    if (s.population_scale == 0) throw UsageError("--population-scale must be >= 1");
    if (vm.count("source-net")) {
      try {
        const auto net = flow::parse_prefixes({vm["source-net"].as<std::string>()});
        s.source_net = net.prefixes.at(0).first;
        s.source_prefix_len = net.prefixes.at(0).second;
      } catch (const std::exception& e) {
        throw UsageError(std::string("--source-net: ") + e.what());
      }
    }
    flow::ConvertOptions conv;
    conv.interval_s = vm["interval"].as<uint32_t>();
    conv.dst_prefix = vm["dst-prefix"].as<uint32_t>();
    if (conv.interval_s == 0 || conv.interval_s % 60) throw UsageError("--interval: a positive multiple of 60");
    if (conv.dst_prefix != 16 && conv.dst_prefix != 24) throw UsageError("--dst-prefix: 16 or 24");
    flow::FlowWriteOptions w;
    const auto codec = vm["codec"].as<std::string>();
    if (codec != "deflate" && codec != "null") throw UsageError("--codec: deflate or null");
    w.codec = codec == "deflate" ? flow::AvroCodec::deflate : flow::AvroCodec::null;
    const auto schema = vm["ft4-schema"].as<std::string>();
    if (schema != "with-counts" && schema != "without-counts") throw UsageError("--ft4-schema: with-counts or without-counts");
    w.ft4_schema = schema == "with-counts" ? flow::Ft4Schema::with_counts : flow::Ft4Schema::without_counts;
    const bool quiet = vm["quiet"].as<bool>();

    const bool force = vm["force"].as<bool>();
    const std::string prefix = conv.interval_s == 300 ? "v3_5min" : "v3_" + std::to_string(conv.interval_s) + "s";
    auto ft3_name = [](uint32_t minute) { return "ucsd-nt-synth." + std::to_string(minute) + ".ft3.avro"; };
    auto ft4_name = [&](uint32_t interval) { return prefix + "_" + std::to_string(interval) + ".ft4.avro"; };

    // Every name this run writes is checked before anything is generated.
    install_interrupt_handlers();
    if (std::string why = local_output_problem({dir.string(), true}, force); !why.empty())
      throw std::runtime_error(why);
    const uint32_t start = s.start_time - s.start_time % 60;
    for (uint32_t m = 0; m < s.minutes && fs::exists(dir); ++m) {
      const uint32_t t = start + 60 * m;
      const std::string name = version == 3 ? ft3_name(t) : ft4_name(t - t % conv.interval_s);
      if (std::string why = local_output_problem({(dir / name).string()}, force); !why.empty())
        throw std::runtime_error(why);
    }
    const fs::path summary = dir / "convert.h5";  // flow convert's record of the files it wrote
    if (fs::exists(summary)) {
      if (!force)
        throw std::runtime_error("cannot write into " + dir.string() + ": it holds the output of flow convert (" +
                                 summary.string() + "); use another directory, or --force");
      fs::remove(summary);
      std::fprintf(stderr, "scanhpc synth flowtuple: warning: removed %s, which described the files replaced\n",
                   summary.c_str());
    }

    const auto t0 = std::chrono::steady_clock::now();
    const bool created = !fs::exists(dir);
    fs::create_directories(dir);
    if (created) remove_on_interrupt(dir.string(), true);
    PendingFiles written;
    uint64_t ft3_rows = 0, ft4_rows = 0;
    flow::Ft3Columns pending;  // FT4: the minutes of the current interval
    uint32_t pending_interval = 0;
    auto flush = [&] {
      if (pending.size() == 0) return;
      const flow::Ft4Columns ft4 = flow::convert_ft3_to_ft4(pending, conv);
      ft4_rows += ft4.size();
      written.write(dir, ft4_name(pending_interval), nullptr, &ft4, w);
      pending.clear();
    };
    flow::generate_ft3(s, [&](uint32_t minute, const flow::Ft3Columns& rows) {
      ft3_rows += rows.size();
      if (version == 3) {
        written.write(dir, ft3_name(minute), &rows, nullptr, w);
        return;
      }
      const uint32_t interval = minute - minute % conv.interval_s;
      if (pending.size() && interval != pending_interval) flush();
      pending_interval = interval;
      pending.append(rows);
    });
    flush();
    const size_t files = written.files.size();
    fault_point("synth-commit");
    written.commit();
    if (created) keep_on_interrupt(dir.string());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!quiet)
      std::fprintf(stderr, "scanhpc synth flowtuple: %llu FT3 records%s in %zu FT%d file(s) to %s in %.2f s\n",
                   (unsigned long long)ft3_rows,
                   version == 4 ? (" -> " + std::to_string(ft4_rows) + " FT4 flows").c_str() : "", files,
                   version, dir.c_str(), secs);
    return 0;
  } catch (const UsageError& e) {
    return usage_error("synth flowtuple", e);
  } catch (const std::exception& e) {
    std::cerr << "scanhpc synth flowtuple: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace scanhpc::commands
