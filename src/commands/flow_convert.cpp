// scanhpc flow convert: FT3 -> FT4 with ftconvert's semantics
// (docs/flowtuple-convert.md). Ranks read consecutive Avro blocks; FT3 rows
// move to the rank owning their source address (a flow never spans sources,
// and rows arrive grouped by source rank, i.e. in input order, so "first
// record" fields are those of the first record in the input); each rank
// aggregates its flows. The output files are laid out in fixed-size blocks,
// split evenly over the ranks whatever file they belong to
// (flow/ft4_layout): rows move to the rank that writes their block, which
// encodes and compresses it and writes it at its offset in the file, so one
// large interval is written by many ranks at once and no rank holds more
// than its share. Files are written under temporary names and renamed when
// every rank wrote all of its part; the summary DIR/convert.h5 (provenance
// and counts) is renamed into place last, so it exists only beside a
// complete conversion.
#include <fcntl.h>
#include <omp.h>
#include <unistd.h>

#include <cerrno>

#include <cstdio>
#include <cstring>
#include <string_view>
#include <tuple>
#include <filesystem>
#include <iostream>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/run_options.hpp"
#include "scanhpc/commands/flow_commands.hpp"
#include "scanhpc/commands/flow_input.hpp"
#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/core/fault_injection.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/exchange.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/flow/convert.hpp"
#include "scanhpc/flow/ft4_layout.hpp"
#include "scanhpc/flow/pack.hpp"
#include "scanhpc/flow/read_plan.hpp"
#include "scanhpc/kernels/key_owner.hpp"

namespace scanhpc::commands {
namespace {

namespace fs = std::filesystem;

struct ConvertConfig {
  FlowInputConfig input;
  flow::ConvertOptions convert;
  flow::FlowWriteOptions write;
  std::string output_dir, name_prefix;
  int threads = 0;
  bool quiet = false, force = false;
  uint64_t round_bytes = 64 << 20;
  uint64_t window_bytes = uint64_t(16) << 20;  // FT3 input per rank and window (0: one window)
};

// The rows of `rows` (cleared) sent to the owner of their source address,
// by the partitioner every address key shares: contiguous ranges balanced
// by rows, hot /16s refined. Rows arrive grouped by source rank in rank
// order, each source's in input order, so a flow's first record in the
// input is its first here. Contiguous ranges also make the merge at each
// interval's owner a concatenation (see index_parts).
flow::Ft3Columns exchange_by_source(const dist::Comm& comm, flow::Ft3Columns& rows, uint64_t round_bytes,
                                     uint64_t* rounds) {
  const size_t ranks = size_t(comm.size());
  if (ranks == 1) return std::move(rows);  // already the one owner's, in input order
  const PrefixOwnership owners = dist::build_ownership(comm, rows.src_ip);
  std::vector<uint64_t> counts(ranks, 0), offsets(ranks, 0);
  for (size_t i = 0; i < rows.size(); ++i) ++counts[size_t(owners.owner(rows.src_ip[i]))];
  for (size_t d = 1; d < ranks; ++d) offsets[d] = offsets[d - 1] + counts[d - 1];
  std::vector<flow::Ft3Record> grouped(rows.size());
  {
    auto cursor = offsets;
    for (size_t i = 0; i < rows.size(); ++i) grouped[cursor[size_t(owners.owner(rows.src_ip[i]))]++] = rows.row(i);
  }
  rows = {};
  auto received = dist::alltoallv_rounds(comm, grouped, counts, offsets, round_bytes, rounds);
  std::vector<flow::Ft3Record>().swap(grouped);
  flow::Ft3Columns out;
  out.reserve(received.size());
  for (const auto& r : received) out.push_back(r);
  return out;
}

// The wire record of a run of rows of one FT4 file: a header, then at most
// kRowsPerPart rows packed by pack_ft4, so no record comes near MPI's int
// counts however large a file is.
struct PartHeader {
  uint64_t bytes;  // of the whole record, header included
  uint64_t file;   // index in the time-ordered list of files
  uint64_t first;  // row position of the first row in the file
};
constexpr size_t kRowsPerPart = 1 << 16;

size_t part_size(const char* p) {
  PartHeader h;
  std::memcpy(&h, p, sizeof h);
  return size_t(h.bytes);
}

// Appends `count` rows of `ft4` from `row`, which lie at `first` in `file`.
void append_parts(const flow::Ft4Columns& ft4, size_t row, uint64_t count, uint64_t file, uint64_t first,
                  std::string& out) {
  for (uint64_t done = 0; done < count;) {
    const uint64_t n = std::min<uint64_t>(kRowsPerPart, count - done);
    const size_t at = out.size();
    out.resize(at + sizeof(PartHeader));
    flow::pack_ft4(ft4, row + size_t(done), row + size_t(done + n), out);
    const PartHeader h{uint64_t(out.size() - at), file, first + done};
    std::memcpy(out.data() + at, &h, sizeof h);
    done += n;
  }
}

// A received part: where its rows go, and where they are.
struct PartRef {
  uint64_t file, first;
  std::string_view rows;
};

// The received parts in file order: by file, then row position.
std::vector<PartRef> index_parts(const std::string& received) {
  std::vector<PartRef> parts;
  for (size_t at = 0; at < received.size();) {
    PartHeader h;
    if (received.size() - at < sizeof h) throw std::runtime_error("flow convert: truncated part");
    std::memcpy(&h, received.data() + at, sizeof h);
    if (h.bytes < sizeof h || h.bytes > received.size() - at) throw std::runtime_error("flow convert: bad part size");
    parts.push_back({h.file, h.first, std::string_view(received).substr(at + sizeof h, size_t(h.bytes - sizeof h))});
    at += size_t(h.bytes);
  }
  std::sort(parts.begin(), parts.end(),
            [](const PartRef& x, const PartRef& y) { return std::tie(x.file, x.first) < std::tie(y.file, y.first); });
  return parts;
}

// What a rank wrote of one file, for the others: its bytes and digests.
struct FilePiece {
  uint64_t rank, file, bytes, digest0, digest1;
};

// Writes `bytes` at `offset` of `path` (created if missing, never truncated:
// other ranks write the rest of it).
void write_at(const std::string& path, uint64_t offset, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  for (size_t done = 0; done < bytes.size();) {
    const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = n < 0 ? errno : EIO;
      ::close(fd);
      throw std::runtime_error("cannot write " + path + ": " + std::strerror(e));
    }
    done += size_t(n);
  }
  if (::close(fd) != 0) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

std::string file_name(const ConvertConfig& cfg, uint32_t interval_start) {
  return cfg.name_prefix + "_" + std::to_string(interval_start) + ".ft4.avro";
}

// What the windows of one run add up to.
struct ConvertTotals {
  FlowInputSummary in;  // files and record counts of every window
  uint64_t ft3_rows = 0, ft4_total = 0, rounds = 0, part_rounds = 0;
  uint64_t ft4_rows = 0;                 // encoded by this rank
  std::vector<uint32_t> done_intervals;  // written by earlier windows, sorted
};

// Collective: reads, converts and writes one window of files (whole
// intervals), adding its counts to `t`. Every FT4 file of the window is in
// place when it returns, registered to be removed if the run fails later.
void convert_window(RunContext& ctx, const ConvertConfig& cfg, const FlowFileList& listed,
                    const std::vector<size_t>& window, ConvertTotals& t) {
  const auto& comm = ctx.comm();
  std::string error;
  flow::Ft3Columns ft3;
  add_flow_summary(t.in, read_flow_files(ctx, cfg.input, listed, window, &ft3, nullptr));
  ctx.end_stage("read");
  uint64_t window_rounds = 0;
  ft3 = exchange_by_source(comm, ft3, cfg.round_bytes, &window_rounds);
  t.rounds += window_rounds;
  ctx.end_stage("exchange");
  flow::Ft4Columns ft4 = flow::convert_ft3_to_ft4(ft3, cfg.convert);
  t.ft3_rows += comm.allreduce_sum(ft3.size());
  ft3 = {};
  ctx.end_stage("convert");

  // Every interval with its FT4 rows, summed at hash owners first so that
  // no rank receives P copies of the list; then the list (one entry per
  // output file) on every rank, in time order.
  std::vector<dist::KeyCount<uint32_t>> local_intervals;
  for (size_t i = 0; i < ft4.size(); ++i) {
    if (local_intervals.empty() || local_intervals.back().key != ft4.time[i])
      local_intervals.push_back({ft4.time[i], 0});
    ++local_intervals.back().count;
  }
  const auto summed = dist::reduce_by_owner<uint32_t>(
      comm, std::move(local_intervals),
      [&](const uint32_t& t) { return key_owner(t, comm.size()); }, cfg.round_bytes);
  auto intervals = dist::allgatherv(comm, summed);
  std::sort(intervals.begin(), intervals.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  for (const auto& iv : intervals)  // the same on every rank
    if (error.empty() && std::binary_search(t.done_intervals.begin(), t.done_intervals.end(), iv.key))
      error = "interval " + std::to_string(iv.key) +
              " has records in files of two windows (the times in their names disagree with their records): "
              "use --window-mb 0 to convert in one window";
  ctx.agree_or_fail(error);
  for (const auto& iv : intervals) t.done_intervals.push_back(iv.key);
  std::sort(t.done_intervals.begin(), t.done_intervals.end());

  // The files in blocks of kFt4BlockRecords rows, the blocks of all files in
  // one sequence split evenly over the ranks (flow/ft4_layout): a row's
  // place in its file is known from counts alone, since a file holds its
  // protocol classes in order and, within a class, the rows of lower
  // ranks (lower sources) first.
  const size_t files = intervals.size();
  struct Run {
    size_t file;
    uint8_t cls;
    size_t first, last;
  };
  std::vector<Run> runs;
  std::vector<uint64_t> mine(files * 4, 0);
  for (size_t a = 0, k = 0; a < ft4.size();) {
    size_t b = a;
    while (b < ft4.size() && ft4.time[b] == ft4.time[a] &&
           flow::protocol_class(ft4.protocol[b]) == flow::protocol_class(ft4.protocol[a]))
      ++b;
    while (intervals[k].key != ft4.time[a]) ++k;
    runs.push_back({k, flow::protocol_class(ft4.protocol[a]), a, b});
    mine[k * 4 + runs.back().cls] += b - a;
    a = b;
  }
  const std::vector<uint64_t> below = comm.exscan_sum(mine);
  std::vector<uint64_t> total = std::move(mine);
  comm.allreduce_sum_inplace(total);
  std::vector<uint64_t> file_rows(files, 0);
  for (size_t k = 0; k < files; ++k) {
    for (size_t c = 0; c < 4; ++c) file_rows[k] += total[k * 4 + c];
    if (file_rows[k] != intervals[k].count) throw std::logic_error("flow convert: interval counts disagree");
  }
  auto write = cfg.write;
  write.block_records = flow::kFt4BlockRecords;
  const flow::Ft4Layout layout(file_rows, write.block_records, comm.size());
  // One rank holds every file's rows in file order already: no parts.
  const bool alone = comm.size() == 1;
  std::vector<std::string> per_rank(size_t(comm.size()));
  for (const Run& r : runs) {
    if (alone) break;
    uint64_t at = below[r.file * 4 + r.cls];
    for (size_t c = 0; c < r.cls; ++c) at += total[r.file * 4 + c];
    for (const auto& piece : layout.pieces(r.file, at, r.last - r.first))
      append_parts(ft4, r.first + size_t(piece.first - at), piece.count, r.file, piece.first,
                   per_rank[size_t(piece.owner)]);
  }
  t.ft4_total += comm.allreduce_sum(ft4.size());
  if (!alone) ft4 = {};
  runs = {};
  ctx.end_stage("pack");
  uint64_t window_part_rounds = 0;
  const std::string received =
      dist::exchange_records(comm, per_rank, part_size, cfg.round_bytes, &window_part_rounds);
  t.part_rounds += window_part_rounds;
  per_rank = {};
  ctx.end_stage("route");

  // Each rank encodes its blocks: rows in file order, checked in place
  // and in order, compressed here.
  struct MyFile {
    size_t file;
    uint64_t first_row;
    flow::EncodedBlocks blocks;
  };
  std::vector<MyFile> mine_files;
  try {
    const auto parts = index_parts(received);
    size_t p = 0;
    flow::Ft4Columns rows;
    // The order holds only if the partitioner kept its contract
    // (contiguous ranges ascending with the rank): checked, O(rows).
    auto check_order = [&](const flow::Ft4Columns& c, size_t first, size_t last, size_t k, uint64_t lo) {
      for (size_t i = first + 1; i < last; ++i)
        if (flow::ft4_order_key(c, i - 1) >= flow::ft4_order_key(c, i))
          throw std::logic_error("flow convert: interval " + std::to_string(intervals[k].key) +
                                 " is out of order after the exchange (row " + std::to_string(lo + i - first) + ")");
    };
    uint64_t file_start = 0;  // alone: where file k begins in ft4
    for (size_t k = 0; k < files; ++k) {
      const auto [lo, hi] = layout.rows_of(comm.rank(), k);
      if (alone) {
        check_order(ft4, size_t(file_start), size_t(file_start + file_rows[k]), k, 0);
        mine_files.push_back({k, 0, flow::encode_ft4_blocks(ft4, size_t(file_start), size_t(file_start + file_rows[k]), 0, write)});
        t.ft4_rows += file_rows[k];
        file_start += file_rows[k];
        continue;
      }
      if (lo == hi) continue;
      rows.clear();
      for (; p < parts.size() && parts[p].file == k; ++p) {
        if (parts[p].first != lo + rows.size())
          throw std::logic_error("flow convert: rows of file " + std::to_string(k) + " arrived out of place");
        flow::unpack_ft4(parts[p].rows, rows);
      }
      if (rows.size() != hi - lo)
        throw std::logic_error("flow convert: interval " + std::to_string(intervals[k].key) + ": received " +
                               std::to_string(rows.size()) + " of " + std::to_string(hi - lo) + " rows");
      check_order(rows, 0, rows.size(), k, lo);
      mine_files.push_back({k, lo, flow::encode_ft4_blocks(rows, 0, rows.size(), lo / write.block_records, write)});
      t.ft4_rows += rows.size();
    }
    if (p != parts.size()) throw std::logic_error("flow convert: rows of a block this rank does not write");
  } catch (const std::exception& e) {
    error = e.what();
  }
  ft4 = {};
  ctx.agree_or_fail(error);
  ctx.end_stage("encode");

  // Every rank learns each file's pieces (one entry per rank and file it
  // touches): the marker is the sum of the digests, a piece's offset the
  // header plus the pieces of lower ranks.
  std::vector<FilePiece> local_pieces;
  for (const auto& f : mine_files)
    local_pieces.push_back({uint64_t(comm.rank()), f.file, f.blocks.file_bytes(), f.blocks.digest[0],
                            f.blocks.digest[1]});
  const auto pieces = dist::allgatherv(comm, local_pieces);  // rank order, each rank's in file order
  const uint64_t header_bytes = flow::ft4_container_header(flow::SyncMarker{}, write).size();
  auto path_of = [&](size_t k, bool temporary) {
    const std::string name = file_name(cfg, intervals[k].key);
    return (fs::path(cfg.output_dir) / (temporary ? "." + name + ".tmp." + ctx.run_id() : name)).string();
  };
  // The rank that writes a file's first block answers for the file: the
  // final name is checked before anything is written, and it renames.
  for (const auto& f : mine_files) {
    if (f.first_row != 0 || !error.empty()) continue;
    error = local_output_problem({path_of(f.file, false)}, cfg.force);
    if (error.empty()) error = local_output_is_input({path_of(f.file, false)}, listed.paths);
  }
  ctx.agree_or_fail(error);
  fault_point("convert-write");  // every rank, before it writes
  std::vector<std::pair<std::string, std::string>> written;  // files this rank renames: temporary -> final
  try {
    for (const auto& f : mine_files) {
      uint64_t digest[2] = {0, 0}, offset = header_bytes, file_bytes = header_bytes;
      for (const auto& piece : pieces) {
        if (piece.file != f.file) continue;
        digest[0] += piece.digest0;
        digest[1] += piece.digest1;
        if (piece.rank < uint64_t(comm.rank())) offset += piece.bytes;
        file_bytes += piece.bytes;
      }
      const flow::SyncMarker sync = flow::ft4_sync_marker(digest, write);
      const std::string tmp = path_of(f.file, true);
      ctx.add_temporary(tmp);  // every rank that writes part of it removes it if the run fails
      std::string chunk;
      if (f.first_row == 0) {
        chunk = flow::ft4_container_header(sync, write);
        written.emplace_back(tmp, path_of(f.file, false));
      }
      uint64_t at = f.first_row == 0 ? 0 : offset;
      for (size_t b = 0; b < f.blocks.ends.size();) {  // in chunks of about 8 MiB
        size_t e = b;
        const uint64_t start = b ? f.blocks.ends[b - 1] : 0;
        while (e < f.blocks.ends.size() && f.blocks.ends[e] - start < (uint64_t(8) << 20)) ++e;
        e = std::max(e, b + 1);
        flow::append_with_sync(f.blocks, b, e, sync, chunk);
        write_at(tmp, at, chunk);
        at += chunk.size();
        chunk.clear();
        b = e;
      }
      if (at != offset + f.blocks.file_bytes() || file_bytes < at)
        throw std::logic_error("flow convert: a piece of " + tmp + " does not end where it should");
    }
  } catch (const std::exception& e) {
    error = e.what();
  }
  mine_files = {};
  ctx.agree_or_fail(error);
  ctx.end_stage("write");
  // Files move into place only once every rank wrote all of its own.
  for (const auto& [tmp, final_path] : written) {
    std::error_code ec;
    fs::rename(tmp, final_path, ec);
    if (ec) {
      if (error.empty()) error = "cannot move " + tmp + " to " + final_path + ": " + ec.message();
      continue;
    }
    // In place but not yet a result: removed if the run fails or is
    // interrupted before convert.h5 commits.
    ctx.forget_temporary(tmp);
    ctx.add_temporary(final_path);
  }
  ctx.agree_or_fail(error);
}

int run_flow_convert(const ConvertConfig& cfg, const std::string& ini) {
  if (cfg.threads > 0) omp_set_num_threads(cfg.threads);
  RunContext ctx("flow convert", ini, cfg.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    const std::string summary_path = (fs::path(cfg.output_dir) / "convert.h5").string();
    ctx.declare_outputs({{cfg.output_dir, true}, {summary_path}}, cfg.force, summary_path, cfg.input.inputs);
    std::string error;
    if (ctx.root() && !cfg.force) {  // FT4 files of this name pattern already there: another conversion's
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(cfg.output_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.starts_with(cfg.name_prefix + "_") && name.ends_with(".ft4.avro")) {
          error = "cannot write " + cfg.output_dir + ": it holds FT4 files of the same names (" + e.path().string() +
                  "); use --force to replace them, or another directory";
          break;
        }
      }
    }
    ctx.agree_root(error);
    const FlowFileList listed = list_flow_files(ctx, cfg.input, flow::FlowVersion::ft3);
    if (ctx.root() && cfg.force && fs::exists(summary_path)) {
      // The old summary would describe files this run replaces: it goes before any is written.
      std::error_code ec;
      fs::remove(summary_path, ec);
      if (ec) error = "cannot remove the old " + summary_path + ": " + ec.message();
    }
    ctx.agree_root(error);
    // Windows of whole intervals by the time in the file names, so that a
    // rank holds at most its share of one window.
    const auto windows = flow::convert_windows(listed.name_times, listed.bytes, cfg.convert.interval_s,
                                               cfg.window_bytes * uint64_t(comm.size()));
    ConvertTotals t;
    t.in.skipped = listed.skipped;
    t.in.files_out_of_range = listed.files_out_of_range;
    for (const auto& window : windows) convert_window(ctx, cfg, listed, window, t);
    require_flow_records(ctx, cfg.input, t.in, flow::FlowVersion::ft3);
    const uint64_t ft4_rows = comm.allreduce_sum(t.ft4_rows);
    h5::File& out = ctx.output();
    write_flow_input_attrs(out, ctx.root(), t.in);
    out.write_attr("/flow", "ft3_rows", t.ft3_rows);
    out.write_attr("/flow", "ft4_rows", t.ft4_total);
    out.write_attr("/flow", "ft4_files", uint64_t(t.done_intervals.size()));
    out.write_attr("/flow", "dst_prefix", uint64_t(cfg.convert.dst_prefix));
    out.write_attr("/flow", "interval", uint64_t(cfg.convert.interval_s));
    out.write_attr("/flow", "quality_rule",
                   std::string(cfg.convert.quality == flow::QualityRule::code ? "code" : "doc"));
    out.write_attr("/flow", "codec", std::string(flow::codec_name(cfg.write.codec)));
    ctx.note_run_fact("exchange_rounds", t.rounds);
    ctx.note_run_fact("part_exchange_rounds", t.part_rounds);
    ctx.note_run_fact("windows", uint64_t(windows.size()));  // depends on the rank count: provenance, not a result
    ctx.commit_output(t.in.input_bytes);
    const std::string stages = ctx.stage_report();
    if (ctx.root() && !cfg.quiet)
      std::fprintf(stderr,
                   "scanhpc flow convert: %zu file(s); records read %llu = used %llu + rejected %llu; %llu FT4 "
                   "flows in %zu file(s) -> %s; %zu window(s), exchange in %llu round(s)\n  stages: %s\n",
                   t.in.files.size(), (unsigned long long)t.in.stats.records_read,
                   (unsigned long long)t.in.stats.records_used, (unsigned long long)t.in.stats.records_rejected,
                   (unsigned long long)ft4_rows, t.done_intervals.size(), cfg.output_dir.c_str(), windows.size(),
                   (unsigned long long)t.rounds, stages.c_str());
    return 0;
  });
}

}  // namespace

int flow_convert(const Args& args) {
  po::options_description o("flow convert options");
  o.add_options()
      ("output,o", po::value<std::string>(), "output directory for the FT4 files (required)")
      ("dst-prefix", po::value<uint32_t>()->default_value(16), "destination network prefix of the flow key: 16 or 24")
      ("interval", po::value<uint32_t>()->default_value(300), "FT4 interval in seconds (one file each)")
      ("quality", po::value<std::string>()->default_value("code"),
       "common-value ratio rule: code (ftconvert's) or doc (CAIDA's web page)")
      ("codec", po::value<std::string>()->default_value("deflate"), "Avro codec of the output: deflate or null")
      ("name-prefix", po::value<std::string>()->default_value(""),
       "output names PREFIX_<time>.ft4.avro (default v3_5min for 300 s, else v3_<N>s)")
      ("window-mb", po::value<double>()->default_value(16),
       "FT3 input per rank converted at once, in MiB: whole intervals by the time in the file names, so a "
       "rank holds its share of one window (0: every file at once)")
      ("input", po::value<std::vector<std::string>>()->composing(), "FT3 file, directory or glob (repeatable)");
  add_run_options(o);
  try {
    auto parsed = parse_command(args, o, "input");
    if (parsed.help) {
      std::cout << "usage: scanhpc flow convert [options] FT3... -o DIR\n\n" << o << "\n";
      return 0;
    }
    if (parsed.dump_config) {
      std::cout << effective_config(o, parsed.vm);
      return 0;
    }
    const auto& vm = parsed.vm;
    ConvertConfig c;
    if (!vm.count("output")) throw UsageError("-o DIR is required");
    c.output_dir = vm["output"].as<std::string>();
    if (vm.count("input")) c.input.inputs = vm["input"].as<std::vector<std::string>>();
    if (c.input.inputs.empty()) throw UsageError("no input given");
    c.convert.dst_prefix = vm["dst-prefix"].as<uint32_t>();
    if (c.convert.dst_prefix != 16 && c.convert.dst_prefix != 24) throw UsageError("--dst-prefix: 16 or 24");
    c.convert.interval_s = vm["interval"].as<uint32_t>();
    if (c.convert.interval_s == 0) throw UsageError("--interval must be positive");
    const auto quality = vm["quality"].as<std::string>();
    if (quality != "code" && quality != "doc") throw UsageError("--quality: code or doc");
    c.convert.quality = quality == "code" ? flow::QualityRule::code : flow::QualityRule::doc;
    const auto codec = vm["codec"].as<std::string>();
    if (codec != "deflate" && codec != "null") throw UsageError("--codec: deflate or null");
    c.write.codec = codec == "deflate" ? flow::AvroCodec::deflate : flow::AvroCodec::null;
    c.name_prefix = vm["name-prefix"].as<std::string>();
    if (c.name_prefix.empty())
      c.name_prefix = c.convert.interval_s == 300 ? "v3_5min" : "v3_" + std::to_string(c.convert.interval_s) + "s";
    const RunOptions run = run_options_from(vm);
    c.input.fail_on_error = run.fail_on_error;
    c.force = run.force;
    c.input.allow_empty = run.allow_empty;
    c.threads = run.threads;
    c.quiet = run.quiet;
    c.round_bytes = run.round_bytes;
    const double window_mb = vm["window-mb"].as<double>();
    if (!(window_mb >= 0) || window_mb > 1e9) throw UsageError("--window-mb: a size in MiB, 0 or more");
    c.window_bytes = uint64_t(window_mb * double(1 << 20));
    dist::Environment mpi(nullptr, nullptr);
    return run_flow_convert(c, effective_config(o, parsed.vm));
  } catch (const UsageError& e) {
    return usage_error("flow convert", e);
  }
}

}  // namespace scanhpc::commands
