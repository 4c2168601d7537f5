// `scanhpc ports` inputs: honeypot CSV files split into byte ranges over
// ranks and threads, or FT4 flowtuples streamed by blocks; both become port
// events with this rank's own sensor numbering.
#include "scanhpc/commands/ports_input.hpp"

#include <omp.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "scanhpc/commands/flow_input.hpp"
#include "scanhpc/commands/input_table.hpp"
#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/commands/skipped_files.hpp"
#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/fault_injection.hpp"
#include "scanhpc/core/thread_errors.hpp"
#include "scanhpc/dist/read_summary.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/flow/read_plan.hpp"
#include "scanhpc/io/inputs.hpp"
#include "scanhpc/ports/honeypot_csv.hpp"

namespace scanhpc::commands {
namespace {

constexpr uint64_t kCsvChunk = uint64_t(8) << 20;  // bytes of CSV per unit of thread work
constexpr size_t kCsvBlock = size_t(2) << 20;      // bytes read at a time into a thread's buffer

PortsInputSummary read_csv(RunContext& ctx, const PortsInputConfig& cfg, const std::vector<InputFile>& listed,
                           ports::EventColumns& events) {
  const auto& comm = ctx.comm();
  PortsInputSummary s;
  s.source = "csv";
  ports::ColumnMapping mapping;
  try {
    mapping = ports::parse_column_mapping(cfg.columns);
  } catch (const std::exception& e) {
    ctx.agree_or_fail(std::string("--columns: ") + e.what());
  }
  // This rank's byte ranges by the one split plan; the header of each file
  // it reads a part of gives that part's layout. A file without the needed
  // columns fails the run (the first such file in input order is named).
  // A gzip file or standard input is one stream, read whole by one rank (stdin by rank 0);
  // its events reach their owners by the exchange after reading, as every other event does.
  std::vector<InputFile> table;
  std::vector<std::string> paths;
  for (const auto& l : listed) {
    InputFile f;
    f.path = l.path;
    f.bytes = l.bytes;
    f.gzip = l.gzip;
    f.family = InputFamily::csv;
    table.push_back(std::move(f));
    paths.push_back(l.path);
    s.files.push_back(l.path == "-" ? std::string("standard input") : l.path);
    s.input_bytes += l.bytes;
  }
  struct FileInfo {
    ports::CsvLayout layout;
    uint64_t data_begin = 0;
  };
  std::map<uint32_t, FileInfo> headers;
  std::string error;
  struct Unit {
    uint32_t file;
    uint64_t begin, end;
  };
  std::vector<Unit> units;
  std::vector<uint64_t> weights;
  const auto tasks = plan_read_tasks(table, comm.size())[size_t(comm.rank())];
  std::vector<uint32_t> streams;
  for (const auto& t : tasks) {
    if (t.whole || !table[t.file].splittable()) {
      streams.push_back(t.file);
      continue;
    }
    auto it = headers.find(t.file);
    if (it == headers.end()) {
      try {
        auto h = ports::read_csv_file_header(paths[t.file]);
        ports::CsvLayout layout = ports::layout_from_header(h.line, mapping);
        layout.date_form = ports::detect_date_form(h.sample, layout);  // every rank reading the file sees the same rows
        it = headers.emplace(t.file, FileInfo{std::move(layout), h.data_begin}).first;
      } catch (const std::exception& e) {
        error = paths[t.file] + ": " + e.what();
        break;
      }
    }
    // Units of work for the threads: pieces of the range, lines realigned by the reader.
    for (uint64_t b = std::max(t.begin, it->second.data_begin); b < t.end; b += kCsvChunk) {
      units.push_back({t.file, b, std::min(t.end, b + kCsvChunk)});
      weights.push_back(units.back().end - b);
    }
  }
  // The streams first, on this thread (inflating is sequential), then this rank's byte ranges
  // over the threads. The plan gives a stream's rank fewer ranges by its compressed size.
  ports::EventColumns streamed;
  ports::CsvCounts stream_counts;
  for (uint32_t file : streams) {
    if (!error.empty()) break;
    ports::CsvCounts c;
    c.file = file;
    try {
      fault_point("read");
      ports::read_honeypot_csv_stream(paths[file], mapping, streamed, c, kCsvBlock);
    } catch (const std::exception& e) {
      error = (paths[file] == "-" ? std::string("standard input") : paths[file]) + ": " + e.what();
    }
    stream_counts.merge(std::move(c));
  }
  ctx.agree_on_first(error);
  const size_t first = 0, last = units.size();
  const int threads = std::max(1, std::min<int>(omp_get_max_threads(), int(last - first)));
  const auto shares = flow::split_units(weights, threads);  // contiguous, balanced by bytes
  std::vector<ports::EventColumns> parts(static_cast<size_t>(threads));
  std::vector<ports::CsvCounts> counts(static_cast<size_t>(threads));
  ThreadErrors errors(threads);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int64_t t = 0; t < threads; ++t) errors.run([&] {
    fault_point("read");
    const auto [lo, hi] = shares[size_t(t)];
    uint64_t bytes = 0;  // marx rows take 50-60 bytes: reserve once instead of growing six columns
    for (size_t u = lo; u < hi; ++u) bytes += units[u].end - units[u].begin;
    parts[size_t(t)].reserve(size_t(bytes / 48));
    std::string buffer;  // one read buffer per thread, reused by its units
    for (size_t u = lo; u < hi; ++u) {
      ports::CsvCounts c;
      c.file = uint32_t(units[u].file);
      ports::read_honeypot_csv_range(paths[units[u].file], units[u].begin, units[u].end,
                                     headers.at(units[u].file).layout, parts[size_t(t)], c, kCsvBlock, &buffer);
      counts[size_t(t)].merge(std::move(c));
    }
  });
  error.clear();
  try {
    errors.rethrow();
  } catch (const std::exception& e) {
    error = e.what();
  }
  ctx.agree_or_fail(error);
  ports::CsvCounts total;
  if (parts.size() == 1 && events.size() == 0 && events.sensors.empty()) events = std::move(parts[0]);  // no copy
  else ports::append_all_events(events, parts);
  for (size_t t = 0; t < counts.size(); ++t) total.merge(std::move(counts[t]));
  total.merge(std::move(stream_counts));
  if (streamed.size() > 0 || !streamed.sensors.empty()) ports::append_events(events, streamed);
  s.rows_repaired = comm.allreduce_sum(total.rows_repaired);
  const ReadSummary read = dist::reduce_read_summary(comm, std::move(total));  // the one merge of every reader
  s.records_read = read.records_read;
  s.records_used = read.records_used;
  s.records_rejected = read.records_rejected;
  for (const auto& e : read.errors) s.errors.push_back(error_message(e, s.files));  // "standard input" for -
  if (cfg.fail_on_error && s.records_rejected > 0) ctx.agree_root(s.errors.empty() ? "bad rows" : s.errors.front());
  const std::string first_error = s.errors.empty() ? std::string() : s.errors.front();
  ctx.require_used(s.records_used == 0, cfg.allow_empty,
                   s.records_read == 0 ? "the CSV input holds no rows"
                                       : "all " + std::to_string(s.records_rejected) + " rows were rejected" +
                                             (first_error.empty() ? "" : "; the first: " + first_error));
  return s;
}

PortsInputSummary read_ft4(RunContext& ctx, const PortsInputConfig& cfg, const InputTable& table,
                           ports::EventColumns& events) {
  FlowInputConfig fc;
  fc.inputs = cfg.inputs;
  fc.fail_on_error = cfg.fail_on_error;
  fc.allow_empty = cfg.allow_empty;
  const int threads = std::max(1, omp_get_max_threads());
  std::vector<ports::EventColumns> parts(static_cast<size_t>(threads));
  std::vector<std::unordered_map<uint32_t, uint32_t>> sensor_of(static_cast<size_t>(threads));
  auto in = stream_ft4_files(ctx, fc, flow_files_of(ctx, fc, table, flow::FlowVersion::ft4), threads,
                             [&](int t, const flow::Ft4Columns& c) {
    auto& e = parts[size_t(t)];
    auto& ids = sensor_of[size_t(t)];
    for (size_t i = 0; i < c.size(); ++i) {
      auto [it, fresh] = ids.try_emplace(c.dst_net[i], uint32_t(e.sensors.size()));
      if (fresh) e.sensors.push_back(format_ipv4(c.dst_net[i]));
      const bool ported = c.protocol[i] == uint8_t(ports::Proto::tcp) || c.protocol[i] == uint8_t(ports::Proto::udp);
      e.push_back(c.time[i], it->second, c.src_ip[i], c.protocol[i], ported ? c.dst_port[i] : ports::kNoPort);
    }
  });
  ports::append_all_events(events, parts);
  PortsInputSummary s;
  s.source = "ft4";
  s.files = in.files;
  s.skipped = in.skipped;
  s.records_read = in.stats.records_read;
  s.records_used = in.stats.records_used;
  s.records_rejected = in.stats.records_rejected;
  s.input_bytes = in.input_bytes;
  s.errors = in.messages;
  return s;
}

// masscan output through the shared ingest pipeline: every open (ip, port) observation is an
// event of the one sensor "scan" whose source is the responding host, so "unique sources per
// port and day" counts responsive hosts.
PortsInputSummary read_masscan(RunContext& ctx, const PortsInputConfig& cfg, InputTable table,
                               ports::EventColumns& events) {
  for (auto& f : table.files) f.family = InputFamily::scan;  // listed for ports: read as scans
  IngestConfig ic;
  ic.listed = &table;
  ic.inputs = cfg.inputs;
  ic.fail_on_error = cfg.fail_on_error;
  ic.allow_empty = cfg.allow_empty;
  ic.quiet = true;
  ic.chunk_bytes = uint64_t(8) << 20;
  ic.round_bytes = uint64_t(64) << 20;
  ic.max_record_bytes = uint64_t(16) << 20;
  auto in = ingest_and_distribute(ctx, ic);
  const uint32_t sensor = events.sensor_id("scan");
  events.reserve(in.rows.size());
  for (const auto& r : in.rows) {
    if (r.status != uint8_t(Status::open)) continue;
    uint8_t proto = 0;  // masscan's protocol codes -> IP protocol numbers
    switch (Proto(key_proto(r.key))) {
      case Proto::tcp: proto = 6; break;
      case Proto::udp: proto = 17; break;
      case Proto::sctp: proto = 132; break;
      case Proto::icmp: proto = 1; break;
      default: continue;  // ARP and unknown: no IP protocol
    }
    const bool ported = proto != 1;
    events.push_back(r.ts, sensor, key_ip(r.key), proto, ported ? key_port(r.key) : ports::kNoPort);
  }
  PortsInputSummary s;
  s.source = "masscan";
  for (const auto& f : in.files) s.files.push_back(f.path);
  s.skipped = in.summary.skipped;
  s.records_read = in.summary.counts.records_read;
  s.records_used = in.summary.counts.records_used;
  s.records_rejected = in.summary.counts.records_rejected;
  s.input_bytes = in.input_bytes;
  if (ctx.root())
    for (const auto& e : in.summary.errors)
      s.errors.push_back((e.file < in.files.size() ? in.files[e.file].path : std::string("?")) + ": byte " +
                         std::to_string(e.offset) + ": " + e.cause);
  return s;
}

}  // namespace

PortsInputSummary read_port_events(RunContext& ctx, const PortsInputConfig& cfg, ports::EventColumns& events) {
  const InputTable table = list_input_table(ctx, cfg.inputs, InputRole::ports);
  if (table.files.empty())
    ctx.require_used(true, cfg.allow_empty,
                     "no input file: every file of the input folder(s) was skipped, " + describe_skipped(table.skipped));
  std::string kind = cfg.source;
  if (kind == "auto") {
    // FT4 when any input is an .avro file (directories may hold convert.h5 beside); masscan when
    // the first file looks like masscan output (not -oL's "#masscan" alone: a CSV never starts so).
    bool avro = false;
    for (const auto& f : table.files) avro |= f.family == InputFamily::flowtuple;
    // Standard input cannot be sniffed without reading it: it is CSV unless --source says otherwise.
    const MasscanFormat first = table.files.empty() || table.files.front().path == "-" ? MasscanFormat::unrecognized
                                                                                        : table.files.front().detected;
    kind = avro ? "ft4" : first != MasscanFormat::unrecognized && first != MasscanFormat::empty ? "masscan" : "csv";
  }
  if (kind == "ft4") return read_ft4(ctx, cfg, table, events);
  if (kind == "masscan") return read_masscan(ctx, cfg, table, events);
  PortsInputSummary s = read_csv(ctx, cfg, table.files, events);
  s.skipped = table.skipped;
  return s;
}

}  // namespace scanhpc::commands
