// The listing of inputs: expand, sniff, assemble (see input_listing.hpp), and
// list_inputs / enumerate_masscan_inputs as the three steps in one process.
#include "scanhpc/io/input_listing.hpp"
#include "scanhpc/io/zmap_lines.hpp"

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

// Why a folder member of this kind (and scan format, where sniffed) is not an
// input of `role`; empty if it is one.
std::string member_problem(const std::string& path, FileKind kind, MasscanFormat detected, InputRole role) {
  switch (role) {
    case InputRole::masscan: {
      if (kind == FileKind::hdf5 || kind == FileKind::avro || kind == FileKind::pdf)
        return not_an_input(kind, path, "not masscan output", "");
      if (kind != FileKind::gzip && kind != FileKind::other && kind != FileKind::empty)
        return not_an_input(kind, path, "not masscan output", "scan");
      if (detected != MasscanFormat::unrecognized) return {};
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

void add_spec(const std::string& path, uint32_t group, ExpandedInputs& out) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw std::runtime_error("input not found: " + path);
  if (!fs::is_directory(st)) {
    out.candidates.push_back({path, false, group});
    return;
  }
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (is_hidden(it->path())) {  // .git, editor and temporary files (ours are hidden too)
      if (it->is_directory()) it.disable_recursion_pending();
      else if (it->is_regular_file()) out.hidden.push_back({group, {it->path().string(), "a hidden file"}});
      continue;
    }
    if (it->is_regular_file()) files.push_back(it->path().string());
  }
  if (ec) throw std::runtime_error("cannot list input directory " + path + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (auto& f : files) out.candidates.push_back({std::move(f), true, group});
}

template <class T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void put_text(std::string& out, const std::string& s) {
  put(out, uint64_t(s.size()));
  out += s;
}

struct Reader {
  const std::string& bytes;
  size_t pos = 0;
  template <class T>
  T get() {
    T v;
    if (pos + sizeof v > bytes.size()) throw std::runtime_error("input listing: truncated message");
    std::memcpy(&v, bytes.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
  std::string text() {
    const auto n = get<uint64_t>();
    if (pos + n > bytes.size()) throw std::runtime_error("input listing: truncated message");
    std::string s = bytes.substr(pos, n);
    pos += n;
    return s;
  }
};

}  // namespace

ExpandedInputs expand_inputs(const std::vector<std::string>& specs) {
  ExpandedInputs out;
  for (uint32_t g = 0; g < specs.size(); ++g) {
    const auto& spec = specs[g];
    // /dev/stdin is standard input: only rank 0 has the caller's stdin (mpirun forwards it
    // there), and sniffing a pipe by name would consume what the reader needs.
    if (spec == "-" || spec == "/dev/stdin") out.candidates.push_back({"-", false, g});
    else if (has_glob_chars(spec) && !fs::exists(spec))
      for (const auto& p : expand_glob(spec)) add_spec(p, g, out);
    else add_spec(spec, g, out);
  }
  if (out.candidates.empty() && out.hidden.empty()) throw std::runtime_error("no input given");
  return out;
}

SniffedInput sniff_input(const InputCandidate& c, InputRole role) {
  SniffedInput s;
  if (c.path == "-") return s;
  try {
    struct stat st {};
    if (::stat(c.path.c_str(), &st) != 0)
      throw std::runtime_error("cannot open input " + c.path + ": " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
      throw std::runtime_error("cannot read input " + c.path + ": not a regular file (give a file, or - for a pipe)");
    s.bytes = uint64_t(st.st_size);
    s.device = uint64_t(st.st_dev);
    s.inode = uint64_t(st.st_ino);
    // Flowtuple files (named by the user, or .avro members) need no sniffing: they are opened as Avro when read.
    if (role == InputRole::flowtuple && (!c.from_folder || c.path.ends_with(".avro"))) return s;
    s.kind = sniff_magic(read_head(c.path, 16));
    const bool text = s.kind == FileKind::gzip || s.kind == FileKind::other || s.kind == FileKind::empty;
    // An HDF5 file named as input is read as a repacked observation table
    // (its table is checked when read); in a folder, it is left alone: it may
    // be an output of an earlier run over the same inputs.
    if (s.kind == FileKind::hdf5 && !c.from_folder && role != InputRole::flowtuple)
      s.detected = MasscanFormat::observations;
    else if (role == InputRole::masscan || (role == InputRole::ports && text && !c.path.ends_with(".avro"))) {
      const std::string head = inflated_head(c.path);
      s.detected = detect_format(head).value_or(MasscanFormat::unrecognized);
      if (s.detected == MasscanFormat::zmap_csv) s.header = zmap_csv_header(head);
      if (s.kind == FileKind::gzip && !(c.from_folder && s.detected == MasscanFormat::unrecognized))
        s.gzip_members = sniff_gzip_members(c.path, s.bytes);
    }
    if (c.from_folder) s.not_input = member_problem(c.path, s.kind, s.detected, role);
  } catch (const std::exception& e) {
    s.error = e.what();
  }
  return s;
}

ListedInputs assemble_inputs(const ExpandedInputs& expanded, const std::vector<SniffedInput>& sniffed,
                             InputRole role, MasscanFormat forced) {
  if (sniffed.size() != expanded.candidates.size())
    throw std::logic_error("assemble_inputs: one sniffed record per candidate");
  ListedInputs out;
  // Per input argument: its hidden files, then its members that are not inputs.
  size_t h = 0;
  auto hidden_until = [&](uint32_t group) {
    for (; h < expanded.hidden.size() && expanded.hidden[h].first <= group; ++h)
      out.skipped.push_back(expanded.hidden[h].second);
  };
  // The same file twice (same device and inode) would be read, and counted, twice.
  std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::string>> seen;
  bool stdin_seen = false;
  std::vector<SkippedFile> members;  // of the current argument
  uint32_t group = 0;
  auto flush_members = [&] {
    out.skipped.insert(out.skipped.end(), members.begin(), members.end());
    members.clear();
  };
  for (size_t i = 0; i < expanded.candidates.size(); ++i) {
    const auto& c = expanded.candidates[i];
    const auto& s = sniffed[i];
    if (c.group != group) {
      hidden_until(group);
      flush_members();
      group = c.group;
    }
    if (!s.error.empty()) throw std::runtime_error(s.error);
    if (c.from_folder && !s.not_input.empty()) {
      members.push_back({c.path, s.not_input});
      continue;
    }
    InputFile f;
    f.path = c.path;
    f.format = forced;
    if (c.path == "-") {
      if (stdin_seen) throw std::runtime_error("standard input (-) is given more than once");
      stdin_seen = true;
      out.files.push_back(f);  // format detected from the first block when read
      continue;
    }
    const auto id = std::make_pair(s.device, s.inode);
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& x) { return x.first == id; });
    if (it != seen.end()) {
      out.warnings.push_back(c.path == it->second ? c.path + " is given more than once; read once"
                                                  : c.path + " is the same file as " + it->second + "; read once");
      continue;
    }
    seen.emplace_back(id, c.path);
    f.bytes = s.bytes;
    f.kind = s.kind;
    f.gzip = s.kind == FileKind::gzip;
    f.detected = s.detected;
    if (forced != MasscanFormat::automatic) f.format = f.bytes == 0 ? MasscanFormat::empty : forced;
    else f.format = f.detected;
    // A gzip ZMap file stays one stream: its CSV reader is tested on files
    // read from their header row on, not on pieces read by members.
    const bool zmap = f.format == MasscanFormat::zmap_csv || f.format == MasscanFormat::zmap_json;
    if (f.gzip && is_line_format(f.format) && !zmap) f.gzip_members = s.gzip_members;
    f.header = s.header;
    switch (role) {
      case InputRole::masscan: f.family = InputFamily::scan; break;
      case InputRole::flowtuple: f.family = InputFamily::flowtuple; break;
      case InputRole::ports: f.family = c.path.ends_with(".avro") ? InputFamily::flowtuple : InputFamily::csv; break;
    }
    out.files.push_back(std::move(f));
  }
  hidden_until(UINT32_MAX);
  flush_members();
  if (out.files.empty() && out.skipped.empty()) throw std::runtime_error("no input given");
  return out;
}

std::string serialize_candidates(const ExpandedInputs& e) {
  std::string out;
  put(out, uint64_t(e.candidates.size()));
  for (const auto& c : e.candidates) {
    put_text(out, c.path);
    put(out, uint8_t(c.from_folder));
    put(out, c.group);
  }
  put(out, uint64_t(e.hidden.size()));
  for (const auto& [g, s] : e.hidden) {
    put(out, g);
    put_text(out, s.path);
    put_text(out, s.reason);
  }
  return out;
}

ExpandedInputs deserialize_candidates(const std::string& bytes) {
  Reader r{bytes};
  ExpandedInputs e;
  e.candidates.resize(r.get<uint64_t>());
  for (auto& c : e.candidates) {
    c.path = r.text();
    c.from_folder = r.get<uint8_t>() != 0;
    c.group = r.get<uint32_t>();
  }
  e.hidden.resize(r.get<uint64_t>());
  for (auto& [g, s] : e.hidden) {
    g = r.get<uint32_t>();
    s.path = r.text();
    s.reason = r.text();
  }
  return e;
}

std::string serialize_sniffed(const std::vector<SniffedInput>& v) {
  std::string out;
  put(out, uint64_t(v.size()));
  for (const auto& s : v) {
    put(out, s.bytes);
    put(out, s.device);
    put(out, s.inode);
    put(out, uint8_t(s.kind));
    put(out, uint32_t(s.detected));
    put(out, uint8_t(s.gzip_members));
    put_text(out, s.header);
    put_text(out, s.not_input);
    put_text(out, s.error);
  }
  return out;
}

std::vector<SniffedInput> deserialize_sniffed(const std::string& bytes) {
  Reader r{bytes};
  std::vector<SniffedInput> v(r.get<uint64_t>());
  for (auto& s : v) {
    s.bytes = r.get<uint64_t>();
    s.device = r.get<uint64_t>();
    s.inode = r.get<uint64_t>();
    s.kind = FileKind(r.get<uint8_t>());
    s.detected = MasscanFormat(r.get<uint32_t>());
    s.gzip_members = GzipMembers(r.get<uint8_t>());
    s.header = r.text();
    s.not_input = r.text();
    s.error = r.text();
  }
  return v;
}

// The three steps in one process.

namespace {
ListedInputs list_here(const std::vector<std::string>& specs, InputRole role, MasscanFormat forced) {
  const ExpandedInputs e = expand_inputs(specs);
  std::vector<SniffedInput> s;
  for (const auto& c : e.candidates) s.push_back(sniff_input(c, role));
  return assemble_inputs(e, s, role, forced);
}
}  // namespace

std::string folder_member_problem(const std::string& path, InputRole role) {
  const SniffedInput s = sniff_input({path, true, 0}, role);
  return s.error.empty() ? s.not_input : s.error;
}

InputList list_inputs(const std::vector<std::string>& specs, InputRole role) {
  ListedInputs l = list_here(specs, role, MasscanFormat::automatic);
  InputList out;
  for (const auto& f : l.files) out.paths.push_back(f.path);
  out.skipped = std::move(l.skipped);
  out.warnings = std::move(l.warnings);
  return out;
}

MasscanInputs enumerate_masscan_inputs(const std::vector<std::string>& specs, MasscanFormat forced) {
  ListedInputs l = list_here(specs, InputRole::masscan, forced);
  return {std::move(l.files), std::move(l.skipped), std::move(l.warnings)};
}

}  // namespace scanhpc
