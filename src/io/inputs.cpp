// The file table's helpers and the one split plan; the listing itself is in
// input_listing.cpp.
#include "scanhpc/io/inputs.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace scanhpc {

std::string describe_skipped(const std::vector<SkippedFile>& skipped) {
  std::string out = std::to_string(skipped.size()) + " file(s): ";
  for (size_t i = 0; i < skipped.size() && i < 5; ++i)
    out += (i ? ", " : "") + skipped[i].path + " (" + skipped[i].reason + ")";
  if (skipped.size() > 5) out += ", and " + std::to_string(skipped.size() - 5) + " more";
  return out;
}

std::string unrecognized_cause(const InputFile& f) {
  const std::string why(file_kind_description(f.kind));
  if (why.empty() || f.kind == FileKind::empty) return "not masscan output in any known format";
  const std::string hint = decompress_hint(f.kind, f.path, "scan");
  return hint.empty() ? why + ", not masscan output" : why + ": " + hint;
}

std::vector<std::vector<ReadTask>> plan_read_tasks(const std::vector<InputFile>& files, int ranks) {
  if (ranks < 1) throw std::invalid_argument("plan_read_tasks: ranks < 1");
  std::vector<std::vector<ReadTask>> plan(static_cast<size_t>(ranks));
  std::vector<uint64_t> load(size_t(ranks), 0);

  // Whole-stream files, largest first, each to the least loaded rank (lowest
  // rank on ties); stdin always to rank 0.
  std::vector<uint32_t> whole;
  uint64_t split_total = 0;
  for (uint32_t i = 0; i < files.size(); ++i) {
    if (files[i].format == MasscanFormat::empty) continue;
    if (files[i].splittable()) split_total += files[i].bytes;
    else whole.push_back(i);
  }
  std::stable_sort(whole.begin(), whole.end(),
                   [&](uint32_t a, uint32_t b) { return files[a].bytes > files[b].bytes; });
  for (uint32_t i : whole) {
    size_t r = files[i].path == "-" ? 0 : size_t(std::min_element(load.begin(), load.end()) - load.begin());
    plan[r].push_back({i, 0, files[i].bytes, true});
    load[r] += files[i].bytes;
  }

  // Splittable bytes fill ranks up to the common target, in rank order, so
  // consecutive ranks read consecutive bytes.
  uint64_t total = split_total;
  for (auto l : load) total += l;
  std::vector<uint64_t> quota(static_cast<size_t>(ranks));
  uint64_t assigned = 0;
  for (size_t r = 0; r < size_t(ranks); ++r) {
    uint64_t target = (unsigned __int128)total * (r + 1) / ranks - (unsigned __int128)total * r / ranks;
    quota[r] = target > load[r] ? target - load[r] : 0;
    assigned += quota[r];
  }
  // Rounding and heavy whole files can leave bytes over: give them to the last ranks.
  for (size_t r = size_t(ranks); assigned < split_total && r-- > 0;) {
    quota[r] += split_total - assigned;
    assigned = split_total;
  }
  size_t r = 0;
  for (uint32_t i = 0; i < files.size(); ++i) {
    if (files[i].format == MasscanFormat::empty || !files[i].splittable()) continue;
    if (files[i].bytes == 0 && files[i].family != InputFamily::scan) {
      plan[std::min(r, size_t(ranks) - 1)].push_back({i, 0, 0, false});
      continue;
    }
    uint64_t pos = 0;
    while (pos < files[i].bytes) {
      while (r < size_t(ranks) && quota[r] == 0) ++r;
      if (r == size_t(ranks)) r = size_t(ranks) - 1;  // cannot happen; keeps bytes owned
      uint64_t take = std::min(quota[r], files[i].bytes - pos);
      if (take == 0) take = files[i].bytes - pos;
      plan[r].push_back({i, pos, pos + take, false});
      pos += take;
      quota[r] -= std::min(quota[r], take);
    }
  }
  return plan;
}

std::string serialize_inputs(const std::vector<InputFile>& files) {
  std::string out;
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  uint64_t n = files.size();
  put(&n, 8);
  for (const auto& f : files) {
    uint64_t len = f.path.size();
    put(&len, 8);
    out += f.path;
    uint32_t fmt = uint32_t(f.format);
    put(&fmt, 4);
    put(&f.bytes, 8);
    uint8_t gz = f.gzip, detected = uint8_t(f.detected), kind = uint8_t(f.kind), family = uint8_t(f.family);
    put(&family, 1);
    put(&gz, 1);
    put(&detected, 1);
    put(&kind, 1);
    const uint8_t members = uint8_t(f.gzip_members);
    put(&members, 1);
    const uint64_t header_len = f.header.size();
    put(&header_len, 8);
    out += f.header;
  }
  return out;
}

std::vector<InputFile> deserialize_inputs(const std::string& bytes) {
  size_t pos = 0;
  auto get = [&](void* p, size_t n) {
    if (pos + n > bytes.size()) throw std::runtime_error("deserialize_inputs: truncated");
    std::memcpy(p, bytes.data() + pos, n);
    pos += n;
  };
  uint64_t n = 0;
  get(&n, 8);
  std::vector<InputFile> files(n);
  for (auto& f : files) {
    uint64_t len = 0;
    get(&len, 8);
    if (pos + len > bytes.size()) throw std::runtime_error("deserialize_inputs: truncated");
    f.path = bytes.substr(pos, len);
    pos += len;
    uint32_t fmt = 0;
    get(&fmt, 4);
    f.format = MasscanFormat(fmt);
    get(&f.bytes, 8);
    uint8_t gz = 0, detected = 0, kind = 0, family = 0;
    get(&family, 1);
    f.family = InputFamily(family);
    get(&gz, 1);
    get(&detected, 1);
    get(&kind, 1);
    f.gzip = gz;
    f.detected = MasscanFormat(detected);
    f.kind = FileKind(kind);
    uint8_t members = 0;
    get(&members, 1);
    f.gzip_members = GzipMembers(members);
    uint64_t header_len = 0;
    get(&header_len, 8);
    if (pos + header_len > bytes.size()) throw std::runtime_error("deserialize_inputs: truncated");
    f.header = bytes.substr(pos, header_len);
    pos += header_len;
  }
  return files;
}

}  // namespace scanhpc
