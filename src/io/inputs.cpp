#include "scanhpc/io/inputs.hpp"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
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

bool is_hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

std::string lower(std::string s) {
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Names that are documentation or code, never data, whatever they hold.
bool documentation_name(const std::string& path) {
  const std::string name = lower(fs::path(path).filename().string());
  for (const char* stem : {"readme", "license", "licence", "changelog", "notes", "makefile"})
    if (name.rfind(stem, 0) == 0) return true;
  for (const char* ext : {".md", ".rst", ".html", ".htm", ".ipynb", ".py", ".sh", ".r", ".ini", ".yaml", ".yml",
                          ".toml", ".tex", ".h5", ".hdf5", ".png", ".svg", ".pdf", ".slurm"})
    if (name.ends_with(ext)) return true;
  return false;
}

// The first bytes after gzip inflation (raw bytes for other files).
std::string inflated_head(const std::string& path) {
  ByteStream in(path);
  std::string head(4096, '\0');
  size_t n = 0, got = 0;
  try {
    while (n < head.size() && (got = in.read(head.data() + n, head.size() - n)) > 0) n += got;
  } catch (const std::exception&) {
    // a damaged gzip stream: what came out before the damage is the head
  }
  head.resize(n);
  return head;
}

std::string not_an_input(FileKind kind, const std::string& path, const char* what, std::string_view command) {
  std::string why(file_kind_description(kind));
  if (why.empty()) return what;
  const std::string hint = decompress_hint(kind, path, command);
  return hint.empty() ? why + ", " + what : why + ": " + hint;
}

void add_path(const std::string& path, InputRole role, InputList& out) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw std::runtime_error("input not found: " + path);
  if (!fs::is_directory(st)) {
    out.paths.push_back(path);
    return;
  }
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (is_hidden(it->path())) {  // .git, editor and temporary files (ours are hidden too)
      if (it->is_directory()) it.disable_recursion_pending();
      else if (it->is_regular_file()) out.skipped.push_back({it->path().string(), "a hidden file"});
      continue;
    }
    if (it->is_regular_file()) files.push_back(it->path().string());
  }
  if (ec) throw std::runtime_error("cannot list input directory " + path + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (auto& f : files) {
    std::string why = folder_member_problem(f, role);
    if (why.empty()) out.paths.push_back(std::move(f));
    else out.skipped.push_back({std::move(f), std::move(why)});
  }
}

}  // namespace

std::string folder_member_problem(const std::string& path, InputRole role) {
  const FileKind kind = sniff_magic(read_head(path, 16));
  switch (role) {
    case InputRole::masscan: {
      if (kind == FileKind::hdf5 || kind == FileKind::avro || kind == FileKind::pdf)
        return not_an_input(kind, path, "not masscan output", "");
      if (kind != FileKind::gzip && kind != FileKind::other && kind != FileKind::empty)
        return not_an_input(kind, path, "not masscan output", "scan");
      if (detect_format(inflated_head(path))) return {};
      return documentation_name(path) ? "documentation, not masscan output" : "not masscan output";
    }
    case InputRole::flowtuple:
      if (path.ends_with(".avro")) return {};
      return not_an_input(kind, path, "not an .avro file", "");
    case InputRole::ports: {
      if (path.ends_with(".avro")) return {};
      if (kind != FileKind::other && kind != FileKind::gzip && kind != FileKind::empty)
        return not_an_input(kind, path, "not CSV, FT4 or masscan output", "");
      if (documentation_name(path)) return "documentation, not CSV, FT4 or masscan output";
      return {};
    }
  }
  return {};
}

std::string describe_skipped(const std::vector<SkippedFile>& skipped) {
  std::string out = std::to_string(skipped.size()) + " file(s): ";
  for (size_t i = 0; i < skipped.size() && i < 5; ++i)
    out += (i ? ", " : "") + skipped[i].path + " (" + skipped[i].reason + ")";
  if (skipped.size() > 5) out += ", and " + std::to_string(skipped.size() - 5) + " more";
  return out;
}

InputList list_inputs(const std::vector<std::string>& specs, InputRole role) {
  InputList all;
  for (const auto& spec : specs) {
    if (spec == "-") all.paths.push_back(spec);
    else if (has_glob_chars(spec) && !fs::exists(spec))
      for (const auto& p : expand_glob(spec)) add_path(p, role, all);
    else add_path(spec, role, all);
  }
  if (all.paths.empty() && all.skipped.empty()) throw std::runtime_error("no input given");
  // The same file twice (same device and inode) would be read, and counted, twice.
  InputList out;
  out.skipped = std::move(all.skipped);
  std::vector<std::pair<std::pair<dev_t, ino_t>, std::string>> seen;
  bool stdin_seen = false;
  for (auto& p : all.paths) {
    if (p == "-") {
      if (stdin_seen) throw std::runtime_error("standard input (-) is given more than once");
      stdin_seen = true;
      out.paths.push_back(p);
      continue;
    }
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) throw std::runtime_error("cannot open input " + p + ": " + std::strerror(errno));
    const auto id = std::make_pair(st.st_dev, st.st_ino);
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& s) { return s.first == id; });
    if (it != seen.end()) {
      out.warnings.push_back(p == it->second ? p + " is given more than once; read once"
                                             : p + " is the same file as " + it->second + "; read once");
      continue;
    }
    seen.emplace_back(id, p);
    out.paths.push_back(std::move(p));
  }
  return out;
}

MasscanInputs enumerate_masscan_inputs(const std::vector<std::string>& specs, MasscanFormat forced) {
  InputList list = list_inputs(specs, InputRole::masscan);
  MasscanInputs out;
  out.skipped = std::move(list.skipped);
  out.warnings = std::move(list.warnings);
  for (const auto& path : list.paths) {
    InputFile f;
    f.path = path;
    if (path == "-") {
      f.format = forced;  // detected from the first block when read
      out.files.push_back(f);
      continue;
    }
    f.bytes = fs::file_size(path);
    f.kind = sniff_magic(read_head(path, 16));
    f.gzip = f.kind == FileKind::gzip;
    // Not a masscan file: reported as one rejected record when read, so that
    // a stray file named on the command line is counted, not fatal (unless
    // --on-error=fail).
    f.detected = detect_format(inflated_head(path)).value_or(MasscanFormat::unrecognized);
    if (forced != MasscanFormat::automatic) f.format = f.bytes == 0 ? MasscanFormat::empty : forced;
    else f.format = f.detected;
    if (f.gzip && is_line_format(f.format)) f.gzip_members = sniff_gzip_members(path, f.bytes);
    out.files.push_back(f);
  }
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
  }
  return files;
}

}  // namespace scanhpc
