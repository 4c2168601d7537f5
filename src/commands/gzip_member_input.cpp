#include "scanhpc/commands/gzip_member_input.hpp"

#include <algorithm>
#include <cstring>

namespace scanhpc::commands {

bool any_gzip_members(const std::vector<InputFile>& files) {
  return std::any_of(files.begin(), files.end(), [](const InputFile& f) { return f.gzip_members != GzipMembers::none; });
}

uint64_t settle_gzip_member_pieces(const dist::Comm& comm, const std::vector<InputFile>& files, IngestResult& ingest,
                                   bool read_ok, size_t max_record_bytes) {
  // Each rank: a flag (read_ok), then its summaries. Root: all read (flag),
  // the number of ranks that read a member (8 bytes), every summary.
  std::string mine(1, char(read_ok));
  if (read_ok) mine += serialize_piece_summaries(gzip_piece_summaries(ingest));
  const auto gathered = comm.gather_strings(mine, 0);
  std::string all;
  if (comm.is_root()) {
    bool ok = true;
    uint64_t readers = 0;
    std::string summaries;
    for (const auto& g : gathered) {
      ok = ok && !g.empty() && g[0] == 1;
      if (!ok) break;
      std::vector<GzipPieceSummary> pieces;
      deserialize_piece_summaries(g.substr(1), pieces);
      readers += std::any_of(pieces.begin(), pieces.end(), [](const auto& p) { return !p.empty; });
      summaries.append(g, 1);
    }
    all = std::string(1, char(ok));
    all.append(reinterpret_cast<const char*>(&readers), 8);
    if (ok) all += summaries;
  }
  comm.bcast(all, 0);
  if (all.empty() || all[0] != 1) return 0;
  uint64_t readers = 0;
  std::memcpy(&readers, all.data() + 1, 8);
  std::vector<GzipPieceSummary> every_piece;
  deserialize_piece_summaries(all.substr(9), every_piece);
  settle_gzip_pieces(ingest, files, every_piece, max_record_bytes);
  return readers;
}

}  // namespace scanhpc::commands
