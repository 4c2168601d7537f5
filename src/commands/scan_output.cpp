#include "scanhpc/commands/skipped_files.hpp"
#include "scanhpc/commands/scan_output.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "scanhpc/commands/progress.hpp"
#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/dist/read_summary.hpp"
#include "scanhpc/dist/tree_reduce.hpp"
#include "scanhpc/kernels/interval_stats.hpp"

namespace scanhpc::commands {
IngestSummary reduce_ingest(const dist::Comm& comm, const std::vector<InputFile>& files, const IngestResult& local) {
  IngestSummary s;
  const auto& c = local.sink.counts;
  std::vector<uint64_t> words{c.records_read,        c.records_used, c.records_rejected, c.banner_records,
                              c.status_observations, c.records_without_observation};
  constexpr size_t kCounts = 6;
  for (const auto& f : local.per_file) words.insert(words.end(), {f.records, f.rejected, f.bytes});
  comm.allreduce_sum_inplace(words);
  s.counts = {words[0], words[1], words[2], words[3], words[4], words[5]};
  s.per_file.resize(files.size());
  for (size_t i = 0; i < files.size(); ++i)
    s.per_file[i] = {words[kCounts + 3 * i], words[kCounts + 1 + 3 * i], words[kCounts + 2 + 3 * i]};

  // The first errors by (file, offset) and the damaged streams, by the one merge of every reader.
  ReadSummary mine;
  mine.errors = local.sink.errors;
  mine.damaged = local.sink.damaged;
  ReadSummary all = dist::reduce_read_summary(comm, std::move(mine));
  s.errors = std::move(all.errors);
  s.damaged = std::move(all.damaged);
  return s;
}

namespace {
// The broadcast bytes back as 64-bit words (no memcpy from an empty string's
// null data: undefined, even for 0 bytes).
std::vector<uint64_t> words_of(const std::string& bytes) {
  std::vector<uint64_t> words(bytes.size() / 8);
  if (!words.empty()) std::memcpy(words.data(), bytes.data(), words.size() * 8);
  return words;
}
}  // namespace

// Partials merged up a binomial tree: rank 0 receives log2(P) partials,
// each at most the size of the merged result, not one from every rank.
MultiprobePartial merge_multiprobe(const dist::Comm& comm, const MultiprobePartial& local) {
  auto merged = dist::tree_reduce_to_root(comm, local.serialize(), [](std::vector<uint64_t> a, std::vector<uint64_t> b) {
    MultiprobePartial m = MultiprobePartial::deserialize(a.data(), a.size());
    m.merge(MultiprobePartial::deserialize(b.data(), b.size()));
    return m.serialize();
  });
  std::string bytes;
  if (comm.is_root()) bytes.assign(reinterpret_cast<const char*>(merged.data()), merged.size() * 8);
  comm.bcast(bytes, 0);
  auto words = words_of(bytes);
  return MultiprobePartial::deserialize(words.data(), words.size());
}

void write_countmap(h5::File& out, const dist::Comm& comm, const std::string& path, const CountMap& map,
                    const char* value_name, const char* count_name) {
  std::vector<uint32_t> values;
  std::vector<uint64_t> counts;
  if (comm.is_root())
    for (const auto& e : map.entries()) {
      values.push_back(checked_cast<uint32_t>(e.value));
      counts.push_back(e.count);
    }
  out.write_table(path, {{value_name, std::move(values)}, {count_name, std::move(counts)}});
}

CountMap merge_countmap(const dist::Comm& comm, const CountMap& local) {
  auto merged = dist::tree_reduce_to_root(comm, local.flatten(), [](std::vector<uint64_t> a, std::vector<uint64_t> b) {
    a.insert(a.end(), b.begin(), b.end());  // from_flat sums equal values
    return CountMap::from_flat(a.data(), a.size()).flatten();
  });
  std::string bytes;
  if (comm.is_root()) bytes.assign(reinterpret_cast<const char*>(merged.data()), merged.size() * 8);
  comm.bcast(bytes, 0);
  auto words = words_of(bytes);
  return CountMap::from_flat(words.data(), words.size());
}

void write_ingest(h5::File& out, const dist::Comm& comm, const std::vector<InputFile>& files, const IngestSummary& s,
                  uint64_t open_observations, uint64_t duplicates) {
  const bool root = comm.is_root();
  out.create_group("/ingest");
  out.write_attr("/ingest", "records_read", s.counts.records_read);
  out.write_attr("/ingest", "records_used", s.counts.records_used);
  out.write_attr("/ingest", "records_rejected", s.counts.records_rejected);
  out.write_attr("/ingest", "banner_records", s.counts.banner_records);
  out.write_attr("/ingest", "status_observations", s.counts.status_observations);
  out.write_attr("/ingest", "records_without_observation", s.counts.records_without_observation);
  out.write_attr("/ingest", "open_observations", open_observations);
  out.write_attr("/ingest", "duplicate_observations", duplicates);
  write_skipped(out, root, "/ingest", s.skipped);
  {
    std::vector<std::string> path, format;
    std::vector<uint64_t> bytes, records, rejected;
    if (root)
      for (size_t i = 0; i < files.size(); ++i) {
        path.push_back(files[i].path);
        format.push_back(std::string(format_name(files[i].format)) + (files[i].gzip ? "+gzip" : ""));
        bytes.push_back(files[i].bytes);
        records.push_back(s.per_file[i].records);
        rejected.push_back(s.per_file[i].rejected);
      }
    out.write_table("/ingest/files", {{"path", std::move(path)}, {"format", std::move(format)},
                                      {"bytes", std::move(bytes)}, {"records", std::move(records)},
                                      {"rejected", std::move(rejected)}});
    std::vector<std::string> file, cause;
    std::vector<uint64_t> offset;
    if (root)
      for (const auto& e : s.errors) {
        file.push_back(files[e.file].path);
        offset.push_back(e.offset);
        cause.push_back(e.cause);
      }
    out.write_table("/ingest/errors", {{"file", std::move(file)}, {"offset", std::move(offset)},
                                       {"cause", std::move(cause)}});
    std::vector<std::string> dfile, dcause;
    std::vector<uint64_t> doffset;
    if (root)
      for (const auto& e : s.damaged) {
        dfile.push_back(files[e.file].path);
        doffset.push_back(e.offset);
        dcause.push_back(e.cause);
      }
    out.write_table("/ingest/damaged", {{"file", std::move(dfile)}, {"offset", std::move(doffset)},
                                        {"cause", std::move(dcause)}});
  }
}

void print_scan_summary(const std::vector<InputFile>& files, const IngestSummary& s, uint64_t open_observations,
                        const std::vector<std::string>& analysis_lines, const dist::ExchangeStats& x,
                        const std::vector<uint64_t>& rss, double seconds, const std::string& output) {
  uint64_t bytes = 0;
  bool stdin_read = false;  // its size is not known beforehand: no bytes or rate for it
  for (const auto& f : files) {
    bytes += f.bytes;
    stdin_read |= f.path == "-";
  }
  std::string size = human_bytes(double(bytes));
  if (stdin_read) size = bytes ? size + " and standard input" : std::string("standard input");
  const std::string rate =
      stdin_read || seconds <= 0 ? std::string() : " (" + human_bytes(double(bytes) / seconds) + "/s)";
  const auto& c = s.counts;
  std::fprintf(stderr,
               "scanhpc scan: %zu file(s), %s in %.2f s%s\n"
               "  records: %llu read = %llu used + %llu rejected; %llu banners, %llu open observations\n",
               files.size(), size.c_str(), seconds, rate.c_str(), (unsigned long long)c.records_read,
               (unsigned long long)c.records_used, (unsigned long long)c.records_rejected,
               (unsigned long long)c.banner_records, (unsigned long long)open_observations);
  for (const auto& line : analysis_lines) std::fprintf(stderr, "  %s\n", line.c_str());
  for (size_t i = 0; i < s.errors.size() && i < 5; ++i)
    std::fprintf(stderr, "  rejected: %s: byte %llu: %s\n", files[s.errors[i].file].path.c_str(),
                 (unsigned long long)s.errors[i].offset, s.errors[i].cause.c_str());
  if (c.records_rejected > 5) std::fprintf(stderr, "  ... (first 100 in /ingest/errors)\n");
  uint64_t max_rss = rss.empty() ? 0 : *std::max_element(rss.begin(), rss.end());
  std::fprintf(stderr, "  exchange: %llu round(s); peak RSS per rank: max %s\n  output: %s\n",
               (unsigned long long)x.rounds, human_bytes(double(max_rss)).c_str(), output.c_str());
}

}  // namespace scanhpc::commands
