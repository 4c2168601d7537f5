#include "scanhpc/io/inputs.hpp"

#include <glob.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "scanhpc/io/byte_stream.hpp"

namespace scanhpc {
namespace fs = std::filesystem;

namespace {

bool has_glob_chars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> expand_glob(const std::string& pattern) {
  glob_t g{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  if (rc == GLOB_NOMATCH || out.empty()) throw std::runtime_error("input pattern matches nothing: " + pattern);
  if (rc != 0) throw std::runtime_error("cannot expand input pattern: " + pattern);
  std::sort(out.begin(), out.end());
  return out;
}

void add_path(const std::string& path, std::string_view dir_suffix, std::vector<std::string>& out) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw std::runtime_error("input not found: " + path);
  if (fs::is_directory(st)) {
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
      if (it->is_regular_file() && it->path().string().ends_with(dir_suffix)) files.push_back(it->path().string());
    if (ec) throw std::runtime_error("cannot list input directory " + path + ": " + ec.message());
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  } else {
    out.push_back(path);
  }
}

bool looks_gzip(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open input " + path + ": " + std::strerror(errno));
  unsigned char magic[2] = {0, 0};
  size_t n = std::fread(magic, 1, 2, f);
  std::fclose(f);
  return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

}  // namespace

std::vector<std::string> expand_input_paths(const std::vector<std::string>& specs, std::string_view dir_suffix) {
  std::vector<std::string> paths;
  for (const auto& spec : specs) {
    if (spec == "-") paths.push_back(spec);
    else if (has_glob_chars(spec) && !fs::exists(spec))
      for (const auto& p : expand_glob(spec)) add_path(p, dir_suffix, paths);
    else add_path(spec, dir_suffix, paths);
  }
  if (paths.empty()) throw std::runtime_error("no input given");
  return paths;
}

std::vector<InputFile> enumerate_inputs(const std::vector<std::string>& specs, MasscanFormat forced) {
  const std::vector<std::string> paths = expand_input_paths(specs);

  std::vector<InputFile> files;
  for (const auto& path : paths) {
    InputFile f;
    f.path = path;
    if (path == "-") {
      f.format = forced;  // detected from the first block when read
      files.push_back(f);
      continue;
    }
    f.bytes = fs::file_size(path);
    f.gzip = looks_gzip(path);
    if (forced != MasscanFormat::automatic) {
      f.format = f.bytes == 0 ? MasscanFormat::empty : forced;
    } else {
      ByteStream in(path);
      std::string head(4096, '\0');
      size_t n = 0, got = 0;
      while (n < head.size() && (got = in.read(head.data() + n, head.size() - n)) > 0) n += got;
      head.resize(n);
      // Not a masscan file: reported as one rejected record when read, so a
      // stray file in an input directory is counted, not fatal (unless
      // --on-error=fail).
      f.format = detect_format(head).value_or(MasscanFormat::unrecognized);
    }
    files.push_back(f);
  }
  return files;
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
    uint8_t gz = f.gzip;
    put(&gz, 1);
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
    uint8_t gz = 0;
    get(&gz, 1);
    f.gzip = gz;
  }
  return files;
}

}  // namespace scanhpc
