#include "scanhpc/io/ingest.hpp"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "scanhpc/core/fault_injection.hpp"
#include "scanhpc/core/huge_pages.hpp"
#include "scanhpc/io/byte_stream.hpp"
#include "scanhpc/io/masscan_binary.hpp"
#include "scanhpc/io/masscan_lines.hpp"
#include "scanhpc/io/pread_file.hpp"

namespace scanhpc {
namespace {

// Per-thread state: one parser per format, a padded buffer, a sink.
struct Worker {
  std::vector<char> buf;
  ParseSink sink;
  std::vector<FileCounts> per_file;
};

void record_delta(Worker& w, uint32_t file, const RecordCounts& before, uint64_t bytes) {
  auto& fc = w.per_file[file];
  fc.records += w.sink.counts.records_read - before.records_read;
  fc.rejected += w.sink.counts.records_rejected - before.records_rejected;
  fc.bytes += bytes;
}

std::string too_long(size_t max) {
  return "record longer than " + std::to_string(max) + " bytes (raise --max-record-bytes if it is real)";
}

// Parses the lines that start in [begin, end) of a plain file. A line that
// starts inside the range is read to its end even past `end`.
void parse_range(const PreadFile& in, uint32_t file, uint64_t begin, uint64_t end,
                 LineParser& parser, const IngestOptions& opt, Worker& w) {
  const size_t pad = json_line_padding();
  uint64_t start = begin;
  if (begin > 0) {  // the line holding byte begin-1 belongs to the previous range
    char c = 0;
    if (in.read_at(&c, 1, begin - 1) != 1) return;
    if (c != '\n') {
      // skip to the first line start at or after `begin`
      uint64_t pos = begin;
      char tmp[4096];
      for (;;) {
        if (pos >= end) return;  // no line starts in this range
        size_t n = in.read_at(tmp, sizeof tmp, pos);
        if (n == 0) return;
        auto* nl = static_cast<char*>(std::memchr(tmp, '\n', n));
        if (nl) { start = pos + uint64_t(nl - tmp) + 1; break; }
        pos += n;
      }
    }
  }
  if (start >= end) return;

  // Window [win_begin, win_begin + win_len) of the file in w.buf.
  uint64_t win_begin = start;
  size_t want = size_t(std::min<uint64_t>(end - start + 4096, in.bytes() - start));
  w.buf.resize(want + pad);
  size_t win_len = in.read_at(w.buf.data(), want, win_begin);
  size_t pos = 0;  // position in window
  while (win_begin + pos < end) {
    char* line = w.buf.data() + pos;
    auto* nl = static_cast<char*>(std::memchr(line, '\n', win_len - pos));
    if (!nl && win_begin + win_len < in.bytes()) {
      // The line runs past the window: slide it to the front and read more.
      size_t have = win_len - pos;
      if (have > opt.max_record_bytes) {
        w.sink.reject(file, win_begin + pos, too_long(opt.max_record_bytes));
        // skip to the end of the long line without keeping it
        uint64_t scan = win_begin + win_len;
        for (;;) {
          size_t n = in.read_at(w.buf.data(), std::min(w.buf.size() - pad, size_t(1) << 20), scan);
          if (n == 0) return;
          auto* e = static_cast<char*>(std::memchr(w.buf.data(), '\n', n));
          if (e) { scan += uint64_t(e - w.buf.data()) + 1; break; }
          scan += n;
        }
        if (scan >= end) return;
        win_begin = scan;
        want = size_t(std::min<uint64_t>(end - scan + 4096, in.bytes() - scan));
        w.buf.resize(want + pad);
        win_len = in.read_at(w.buf.data(), want, win_begin);
        pos = 0;
        continue;
      }
      std::memmove(w.buf.data(), line, have);
      win_begin += pos;
      pos = 0;
      size_t grow = std::max<size_t>(have, size_t(1) << 16);
      w.buf.resize(have + grow + pad);
      win_len = have + in.read_at(w.buf.data() + have, grow, win_begin + have);
      continue;
    }
    size_t len = nl ? size_t(nl - line) : win_len - pos;
    if (len > opt.max_record_bytes) w.sink.reject(file, win_begin + pos, too_long(opt.max_record_bytes));
    else parser.parse(std::string_view(line, len), file, win_begin + pos, w.sink);
    pos += len + 1;
    if (!nl) break;  // last line of the file
  }
}

// Reads a whole file as a stream (gzip, stdin): blocks of complete lines.
void parse_stream_lines(ByteStream& in, uint32_t file, MasscanFormat format, const LineContext& context,
                        std::string carry, const IngestOptions& opt, Worker& w, std::atomic<bool>& stop) {
  const size_t pad = json_line_padding();
  LineParser parser(format, context);
  const size_t block = std::max<size_t>(opt.chunk_bytes, 1 << 16);
  uint64_t carry_offset = 0;  // file offset of carry[0]
  bool skipping = false;      // inside an over-long line
  for (;;) {
    if (stop.load(std::memory_order_relaxed)) return;
    size_t have = carry.size();
    w.buf.resize(have + block + pad);
    std::memcpy(w.buf.data(), carry.data(), have);
    size_t got = 0;
    std::string damage;  // a truncated or corrupt compressed stream: what came before is kept
    try {
      got = in.read(w.buf.data() + have, block);
    } catch (const StreamError& e) {
      if (!e.corrupt()) throw;  // an I/O error fails the run
      damage = e.what();
    }
    size_t len = have + got;
    size_t pos = 0;
    while (pos < len) {
      auto* nl = static_cast<char*>(std::memchr(w.buf.data() + pos, '\n', len - pos));
      if (!nl && (got > 0 || !damage.empty())) break;  // incomplete line: next block, or lost to the damage
      size_t line_len = nl ? size_t(nl - (w.buf.data() + pos)) : len - pos;
      if (skipping) skipping = false;  // the tail of an over-long line
      else if (line_len > opt.max_record_bytes) w.sink.reject(file, carry_offset + pos, too_long(opt.max_record_bytes));
      else parser.parse(std::string_view(w.buf.data() + pos, line_len), file, carry_offset + pos, w.sink);
      pos += line_len + 1;
    }
    w.sink.maybe_hand_on();
    if (!damage.empty()) {
      // One rejected record stands for everything from the damage on: the
      // records there cannot be counted.
      w.sink.reject_damaged(file, carry_offset + std::min(pos, len),
                            "damaged compressed stream, the rest of the file is lost (" + damage + ")");
      return;
    }
    if (got == 0) return;
    size_t rest = len - std::min(pos, len);
    if (rest > opt.max_record_bytes && !skipping) {
      w.sink.reject(file, carry_offset + pos, too_long(opt.max_record_bytes));
      skipping = true;
      rest = 0;
      carry.clear();
      carry_offset += len;
      continue;
    }
    if (skipping) { carry.clear(); carry_offset += len; continue; }
    carry.assign(w.buf.data() + pos, rest);
    carry_offset += pos;
  }
}

// A thread's columns lent to a gzip piece while it is read, so that the
// piece's rows land in them.
class LentColumns {
 public:
  LentColumns(ParseSink& owner, ParseSink& borrower) : owner_(owner), borrower_(borrower) { swap(); }
  ~LentColumns() { swap(); }
  LentColumns(const LentColumns&) = delete;
  LentColumns& operator=(const LentColumns&) = delete;

 private:
  void swap() {
    std::swap(owner_.status, borrower_.status);
    std::swap(owner_.banners, borrower_.banners);
  }
  ParseSink& owner_;
  ParseSink& borrower_;
};

}  // namespace

std::string record_too_long(size_t max_record_bytes) { return too_long(max_record_bytes); }

IngestResult local_ingest(const std::vector<InputFile>& files, const std::vector<ReadTask>& tasks,
                          const IngestOptions& opt) {
  IngestResult result;
  result.per_file.assign(files.size(), {});
  result.detected.resize(files.size());
  for (size_t i = 0; i < files.size(); ++i) result.detected[i] = files[i].format;

  // Units of work: splittable ranges cut into chunks; whole files stay whole.
  std::vector<ReadTask> units;
  for (const auto& t : tasks) {
    if (t.whole) { units.push_back(t); continue; }
    for (uint64_t b = t.begin; b < t.end; b += opt.chunk_bytes)
      units.push_back({t.file, b, std::min<uint64_t>(t.end, b + opt.chunk_bytes), false});
  }
  uint64_t rank_bytes = 0;
  for (const auto& t : tasks) rank_bytes += t.end - t.begin;

  int threads = opt.threads > 0 ? opt.threads : omp_get_max_threads();
  std::vector<Worker> workers(size_t(std::max(threads, 1)));
  for (auto& w : workers) {
    w.per_file.assign(files.size(), {});
    w.sink.keep_banners = opt.keep_banners;
    w.sink.batch_bytes = opt.batch_bytes;
    w.sink.on_batch = opt.on_batch;
    // About one row per 100 input bytes: reserving is free until touched and
    // saves the copies of repeated growth.
    w.sink.status.reserve(size_t(rank_bytes / 100 / workers.size()) + 1024);
    // Huge pages for the 1- and 2-byte columns too (operator new hints only
    // allocations of 8 MiB and more): a first touch of 4 KiB pages runs at
    // about 250 MB/s on the VMs we measured. Only the 2 MiB-aligned interior
    // is hinted, so at most one huge page a column lies past the rows written.
    auto& c = w.sink.status;
    advise_huge_pages(c.port.data(), c.port.capacity() * sizeof(uint16_t));
    for (auto* v : {&c.proto, &c.status, &c.reason, &c.ttl, &c.known}) advise_huge_pages(v->data(), v->capacity());
  }
  std::atomic<uint64_t> bytes_done{0}, records_done{0};
  std::atomic<bool> stop{false}, failed{false};
  std::vector<std::string> failures(workers.size());
  // The pieces of member-split gzip files are all read, even after a first
  // rejected record: the ones after a piece need it to be placed.
  std::vector<std::optional<GzipMemberPiece>> pieces(units.size());
  auto gzip_piece = [&](const ReadTask& t) { return !t.whole && files[t.file].gzip_members != GzipMembers::none; };

#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t u = 0; u < units.size(); ++u) {
    Worker& w = workers[size_t(omp_get_thread_num())];
    if (stop.load(std::memory_order_relaxed) && (failed.load() || !gzip_piece(units[u]))) continue;
    const ReadTask& t = units[u];
    const InputFile& f = files[t.file];
    RecordCounts before = w.sink.counts;
    try {
      fault_point("read");
      if (f.format == MasscanFormat::unrecognized) {
        w.sink.reject(t.file, 0, unrecognized_cause(f));
      } else if (f.format == MasscanFormat::observations) {
        if (!opt.read_observations) throw std::logic_error("local_ingest: no reader for observation tables");
        opt.read_observations(f, t.file, t.begin, t.end, w.sink);
      } else if (gzip_piece(t)) {
        GzipRangeOptions g;
        g.max_record_bytes = opt.max_record_bytes;
        g.keep_banners = opt.keep_banners;
        g.context = f.line_context();
        g.cancel = &failed;
        // The rows go to this thread's columns as they are read; the piece
        // keeps its counts, errors and first line until it is placed.
        GzipMemberPiece& piece = pieces[u].emplace();
        piece.sink.batch_bytes = opt.batch_bytes;  // dealt as they are read (commands/stream_input)
        piece.sink.on_batch = opt.on_batch;
        LentColumns lent(w.sink, piece.sink);
        read_gzip_member_range(f.path, f.bytes, t.file, f.format, t.begin, t.end, g, piece);
      } else if (!t.whole) {
        PreadFile in(f.path, f.bytes);
        LineParser parser(f.format, f.line_context());
        parse_range(in, t.file, t.begin, t.end, parser, opt, w);
      } else {
        ByteStream in(f.path);
        MasscanFormat format = f.format;
        std::string head;
        if (format == MasscanFormat::automatic) {  // stdin: detect from the first bytes
          head.resize(4096);
          size_t n = 0, got = 0;
          try {
            while (n < head.size() && (got = in.read(head.data() + n, head.size() - n)) > 0) n += got;
          } catch (const StreamError& e) {
            if (!e.corrupt()) throw;  // damage this early: the line reader meets it again and reports it
          }
          head.resize(n);
          format = detect_format(head).value_or(MasscanFormat::unrecognized);
          result.detected[t.file] = format;  // one task per stdin, no race
        }
        if (format == MasscanFormat::unrecognized) {
          InputFile as_read = f;
          as_read.kind = sniff_magic(head);
          w.sink.reject(t.file, 0, unrecognized_cause(as_read));
        } else if (format == MasscanFormat::binary) {
          if (!head.empty()) throw std::runtime_error("binary format on stdin is not supported; pass a file");
          read_masscan_binary(in, t.file, w.sink);
        } else if (format != MasscanFormat::empty) {
          parse_stream_lines(in, t.file, format, f.line_context(), std::move(head), opt, w, stop);
        }
      }
    } catch (const std::exception& e) {
      failures[size_t(omp_get_thread_num())] = e.what();
      failed = true;
      stop = true;
    }
    record_delta(w, t.file, before, t.end - t.begin);
    const RecordCounts piece = pieces[u] ? pieces[u]->sink.counts : RecordCounts{};
    if (opt.stop_at_first_error && (w.sink.counts.records_rejected || piece.records_rejected)) stop = true;
    bytes_done += t.end - t.begin;
    records_done += w.sink.counts.records_read - before.records_read + piece.records_read;
    if (opt.progress && omp_get_thread_num() == 0) opt.progress(bytes_done.load(), records_done.load());
  }
  for (const auto& msg : failures)
    if (!msg.empty()) throw std::runtime_error(msg);
  for (auto& p : pieces)
    if (p) result.gzip_pieces.push_back(std::move(*p));

  for (auto& w : workers) {
    result.sink.merge(std::move(w.sink));
    for (size_t i = 0; i < files.size(); ++i) {
      result.per_file[i].records += w.per_file[i].records;
      result.per_file[i].rejected += w.per_file[i].rejected;
      result.per_file[i].bytes += w.per_file[i].bytes;
    }
  }
  return result;
}

std::vector<GzipPieceSummary> gzip_piece_summaries(const IngestResult& result) {
  std::vector<GzipPieceSummary> out;
  for (const auto& p : result.gzip_pieces) out.push_back(p.summary);
  return out;
}

void settle_gzip_pieces(IngestResult& result, const std::vector<InputFile>& files,
                        const std::vector<GzipPieceSummary>& every_piece, size_t max_record_bytes) {
  std::vector<std::string> paths;
  for (const auto& f : files) paths.push_back(f.path);
  const GzipPiecePlan plan(every_piece, paths);
  for (auto& piece : result.gzip_pieces) {
    const uint32_t file = piece.summary.file;
    settle_gzip_piece(piece, plan.place(file, piece.summary.begin), files[file].format, max_record_bytes,
                      files[file].line_context());
    result.per_file[file].records += piece.sink.counts.records_read;
    result.per_file[file].rejected += piece.sink.counts.records_rejected;
    result.sink.merge(std::move(piece.sink));
  }
  result.gzip_pieces.clear();
}

}  // namespace scanhpc
