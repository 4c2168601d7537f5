// scanhpc gather -o OUT.h5|OUT.csv[.gz] FILE...: the outputs of a parameter
// sweep (a SLURM job array: one run, one file) as one table, a row per run:
// provenance, run facts, record counts, the options that differ between the
// runs and each command's headline figures (docs/hdf5-layout.md, "gather").
// Metadata-sized: every rank reads the same small attributes of every file,
// so the table is the same on every rank; rank 0 passes the rows.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/interrupts.hpp"
#include "scanhpc/commands/run_context.hpp"
#include "scanhpc/commands/text_output.hpp"
#include "scanhpc/io/csv_values.hpp"

namespace scanhpc::commands {
namespace {

constexpr const char* kHelp =
    "usage: scanhpc gather -o OUT.h5|OUT.csv|OUT.csv.gz [--expect N] [--force] FILE...\n"
    "\n"
    "One table of the runs of a sweep (e.g. a SLURM job array), a row per FILE in the order the files are\n"
    "given: path, command, git_commit, slurm_array_job_id (empty when not set), slurm_array_task_id (-1\n"
    "when not set), ranks, threads (the most of any rank), wall_seconds, peak_rss_bytes (the most of any\n"
    "rank), records_read/used/rejected; the command's headline figures (f64, NaN where the run's command\n"
    "has none: runs of different commands may be gathered); then a column param:NAME for each option NAME\n"
    "whose value (the INI text of the run's config attribute) differs between the runs. Options equal in\n"
    "every run go to /gather/constants (HDF5) or are printed (CSV). Attributes of /gather: runs, expected,\n"
    "failed, same_commit, same_command, same_inputs (the /ingest/files paths and sizes, or the /flow or\n"
    "/ports files); a warning on stderr when a check fails. docs/hdf5-layout.md, \"gather\".\n"
    "\n"
    "A FILE that is missing, unreadable or not a scanhpc output is a failed run: it is named on stderr\n"
    "(and in /gather/failed), the table of the other runs is written, and the exit status is 1; so it is\n"
    "with fewer readable runs than --expect N. With no readable run nothing is written (exit 3).\n"
    "Exit status: 0 success, 1 failure (a run missing), 2 usage error, 3 no readable run.\n"
    "\n"
    "  scanhpc gather -o sweep.h5 runs/sim_*.h5\n"
    "  scanhpc gather --expect 6 -o sweep.csv sim_{0..5}.h5\n"
    "\n";

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// The options of an INI text as --config reads it (Boost.Program_options'
// config file syntax): `#` starts a comment anywhere on a line, `[section]`
// prefixes the names that follow with "section.", `name = value` trimmed.
// A repeated name (a repeated option) gives one entry, its values one per
// line. Names in order of first appearance.
std::vector<std::pair<std::string, std::string>> parse_config_ini(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> out;
  std::map<std::string, size_t> at;
  std::string prefix;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    if (line.front() == '[' && line.back() == ']') {
      prefix = trim(line.substr(1, line.size() - 2));
      if (!prefix.empty()) prefix += '.';
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;  // not an option line (--config would refuse it)
    const std::string name = prefix + trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (auto it = at.find(name); it != at.end()) {
      out[it->second].second += "\n" + value;
    } else {
      at[name] = out.size();
      out.emplace_back(name, value);
    }
  }
  return out;
}

// One run, as read from its file.
struct Run {
  std::string path, command, git_commit, array_job_id;
  int32_t array_task_id = -1;
  uint64_t ranks = 0, threads = 0, peak_rss = 0, read = 0, used = 0, rejected = 0, bytes = 0;
  double wall = kNaN;
  std::vector<std::pair<std::string, std::string>> config;
  std::string inputs;                   // the input list as text, for same_inputs
  std::map<std::string, double> figures;  // headline figures this run has
};

// The headline columns, in table order (docs/hdf5-layout.md, "gather").
const std::vector<std::string>& figure_columns() {
  static const std::vector<std::string> names = {
      "open_observations", "services",        "hosts",        "seed_services",      "rules",
      "plan_probes",       "plan_fraction",   "final_fraction", "predictions",      "plan_scan_services",
      "records_selected",  "top_share",       "intervals",    "intersection_share", "ft4_rows",
      "ft4_files",         "events",          "ports_top_share"};
  return names;
}

class NotARun : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::optional<h5::AttrValue> attr(const h5::File& f, const std::string& object, const std::string& name) {
  try {
    if (!h5::object_exists(f, object)) return std::nullopt;
    return h5::read_attr(f, object, name);
  } catch (const h5::Error&) {
    return std::nullopt;
  }
}

std::string attr_text(const h5::File& f, const std::string& object, const std::string& name) {
  const auto v = attr(f, object, name);
  if (!v) return {};
  if (const auto* s = std::get_if<std::string>(&*v)) return *s;
  if (const auto* u = std::get_if<uint64_t>(&*v)) return std::to_string(*u);
  if (const auto* i = std::get_if<int64_t>(&*v)) return std::to_string(*i);
  return {};
}

// A number attribute (integer or double) as double.
std::optional<double> attr_number(const h5::File& f, const std::string& object, const std::string& name) {
  const auto v = attr(f, object, name);
  if (!v) return std::nullopt;
  if (const auto* u = std::get_if<uint64_t>(&*v)) return double(*u);
  if (const auto* i = std::get_if<int64_t>(&*v)) return double(*i);
  if (const auto* d = std::get_if<double>(&*v)) return *d;
  return std::nullopt;
}

// The largest entry of a per-rank array attribute (or the scalar).
std::optional<uint64_t> attr_max(const h5::File& f, const std::string& object, const std::string& name) {
  const auto v = attr(f, object, name);
  if (!v) return std::nullopt;
  if (const auto* u = std::get_if<uint64_t>(&*v)) return *u;
  if (const auto* a = std::get_if<std::vector<uint64_t>>(&*v)) {
    if (a->empty()) return std::nullopt;
    return *std::max_element(a->begin(), a->end());
  }
  return std::nullopt;
}

// The headline figures of the run's command (docs/hdf5-layout.md, "gather").
void read_figures(const h5::File& f, Run& r) {
  auto put_attr = [&](const char* column, const char* object, const char* name) {
    if (auto v = attr_number(f, object, name)) r.figures[column] = *v;
  };
  auto put_rows = [&](const char* column, const char* dataset) {
    if (h5::object_exists(f, dataset)) r.figures[column] = double(h5::column_rows(f, dataset));
  };
  // gps evaluation: the first and the last `gps` row.
  auto put_evaluation = [&] {
    if (!h5::object_exists(f, "/gps/evaluation/method")) return;
    const auto method = h5::read_str_column(f, "/gps/evaluation/method");
    const auto fraction = h5::read_f64_column(f, "/gps/evaluation/fraction");
    std::optional<size_t> first, last;
    for (size_t i = 0; i < method.size() && i < fraction.size(); ++i)
      if (method[i] == "gps") {
        if (!first) first = i;
        last = i;
      }
    if (first) r.figures["plan_fraction"] = fraction[*first];
    if (last) r.figures["final_fraction"] = fraction[*last];
  };
  const std::string& c = r.command;
  if (c == "scan") {
    put_attr("open_observations", "/ingest", "open_observations");
    put_attr("services", "/multiprobe", "services");
    put_attr("hosts", "/hosts", "hosts");
  } else if (c == "gps model") {
    put_attr("seed_services", "/gps", "seed_services");
    put_rows("rules", "/gps/rules/p1");
    put_attr("plan_probes", "/gps", "plan_probes");
  } else if (c == "gps simulate" || c == "gps evaluate") {
    put_attr("plan_probes", "/gps", "plan_probes");
    put_evaluation();
  } else if (c == "gps predict") {
    put_rows("predictions", "/gps/predictions/ip");
    put_attr("plan_scan_services", "/gps", "plan_scan_services");
  } else if (c == "flow top") {
    put_attr("records_selected", "/flow", "records_selected");
    for (const auto& t : h5::list_tables(f)) {
      const std::string path = t.front() == '/' ? t : "/" + t;
      if (path.rfind("/flow/top/", 0) != 0) continue;
      const auto value = h5::read_str_column(f, path + "/value");
      const auto pct = h5::read_f64_column(f, path + "/pct");
      double share = 0;
      for (size_t i = 0; i < value.size() && i < pct.size(); ++i)
        if (value[i] != "Other") share += pct[i];
      r.figures["top_share"] = share;
      break;  // the first table by name
    }
  } else if (c == "flow series") {
    put_attr("records_selected", "/flow", "records_selected");
    put_rows("intervals", "/flow/series/time");
  } else if (c == "flow intersect") {
    put_attr("records_selected", "/flow", "records_selected");
    put_attr("intersection_share", "/flow/intersection", "share");
  } else if (c == "flow convert") {
    put_attr("ft4_rows", "/flow", "ft4_rows");
    put_attr("ft4_files", "/flow", "ft4_files");
  } else if (c == "ports") {
    put_attr("events", "/ports", "events");
    if (h5::object_exists(f, "/ports/top/port")) {
      // port is i32, -1 for the "(Other)" row; count u64.
      h5::TableReader top(f, "/ports/top");
      const auto block = top.read(0, top.rows());
      const std::vector<int64_t>* port = nullptr;
      const std::vector<uint64_t>* count = nullptr;
      for (size_t i = 0; i < top.columns().size(); ++i) {
        if (top.columns()[i].name == "port") port = std::get_if<std::vector<int64_t>>(&block[i]);
        if (top.columns()[i].name == "count") count = std::get_if<std::vector<uint64_t>>(&block[i]);
      }
      if (port && count) {
        uint64_t all = 0, on_top = 0;
        for (size_t i = 0; i < port->size() && i < count->size(); ++i) {
          all += (*count)[i];
          if ((*port)[i] != -1) on_top += (*count)[i];
        }
        r.figures["ports_top_share"] = all ? double(on_top) / double(all) : kNaN;
      }
    }
  }
}

// Reads one run; throws NotARun (or another exception) saying why it cannot.
Run read_run(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw NotARun(std::string("missing (") + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw NotARun("a folder, not a run's output file");
  if (::access(path.c_str(), R_OK) != 0) throw NotARun(std::string("unreadable (") + std::strerror(errno) + ")");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw NotARun("not an HDF5 file (a run that did not finish, or another file)");
  h5::File f;
  try {
    f = h5::File::open_read(path);
  } catch (const h5::Error&) {
    throw NotARun("damaged HDF5 file: it does not open");
  }
  Run r;
  r.path = path;
  r.bytes = uint64_t(st.st_size);
  r.command = attr_text(f, "/", "command");
  if (r.command.empty() || !attr(f, "/", "config") || !h5::object_exists(f, "/run"))
    throw NotARun("not a scanhpc output (no command, config or /run)");
  if (r.command == "gather") throw NotARun("a gather output, not a run");
  r.git_commit = attr_text(f, "/", "git_commit");
  r.array_job_id = attr_text(f, "/", "slurm_array_job_id");
  const std::string task = attr_text(f, "/", "slurm_array_task_id");
  if (!task.empty()) {
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(task.c_str(), &end, 10);
    if (errno == 0 && end && *end == '\0' && v >= 0 && v <= std::numeric_limits<int32_t>::max())
      r.array_task_id = int32_t(v);
  }
  r.ranks = attr_max(f, "/", "ranks").value_or(0);
  r.threads = attr_max(f, "/", "threads").value_or(0);
  r.wall = attr_number(f, "/run", "wall_seconds").value_or(kNaN);
  r.peak_rss = attr_max(f, "/run", "peak_rss_bytes").value_or(0);
  r.config = parse_config_ini(attr_text(f, "/", "config"));
  bool counted = false;
  for (const char* group : {"/ingest", "/flow", "/ports"}) {
    auto read = attr_number(f, group, "records_read");
    if (!read) continue;
    r.read = uint64_t(*read);
    r.used = uint64_t(attr_number(f, group, "records_used").value_or(0));
    r.rejected = uint64_t(attr_number(f, group, "records_rejected").value_or(0));
    counted = true;
    break;
  }
  if (!counted) throw NotARun("not a scanhpc run's output (no records_read in /ingest, /flow or /ports)");
  // The inputs: path and size of each file read, else the list of files.
  if (h5::object_exists(f, "/ingest/files/path")) {
    const auto paths = h5::read_str_column(f, "/ingest/files/path");
    const auto bytes = h5::read_u64_column(f, "/ingest/files/bytes");
    for (size_t i = 0; i < paths.size(); ++i)
      r.inputs += paths[i] + "\t" + (i < bytes.size() ? std::to_string(bytes[i]) : "") + "\n";
  } else {
    for (const char* group : {"/flow", "/ports"})
      if (r.inputs.empty()) r.inputs = attr_text(f, group, "files");
  }
  read_figures(f, r);
  return r;
}

struct Gathered {
  std::vector<Run> runs;
  std::vector<std::pair<std::string, std::string>> failed;  // path, why
  std::vector<std::string> varying;                          // option names, in first-seen order
  std::vector<std::pair<std::string, std::string>> constants;
  std::vector<std::string> figures;                           // headline columns some run has
  bool same_commit = true, same_command = true, same_inputs = true;
};

Gathered gather_runs(const std::vector<std::string>& files) {
  Gathered g;
  for (const auto& path : files) {
    try {
      g.runs.push_back(read_run(path));
    } catch (const NotARun& e) {
      g.failed.emplace_back(path, e.what());
    } catch (const std::exception& e) {
      g.failed.emplace_back(path, std::string("cannot read it: ") + e.what());
    }
  }
  if (g.runs.empty()) return g;
  // Options: every name of any run; it varies when a run lacks it or has another value.
  std::vector<std::string> names;
  std::set<std::string> seen;
  std::vector<std::map<std::string, std::string>> maps;
  for (const auto& r : g.runs) {
    maps.emplace_back(r.config.begin(), r.config.end());
    for (const auto& [k, v] : r.config)
      if (seen.insert(k).second) names.push_back(k);
  }
  for (const auto& name : names) {
    const auto first = maps[0].find(name);
    bool varies = false;
    for (const auto& m : maps) {
      const auto it = m.find(name);
      if ((it == m.end()) != (first == maps[0].end()) || (it != m.end() && it->second != first->second)) {
        varies = true;
        break;
      }
    }
    if (varies) g.varying.push_back(name);
    else g.constants.emplace_back(name, first->second);
  }
  for (const auto& column : figure_columns())
    if (std::any_of(g.runs.begin(), g.runs.end(), [&](const Run& r) { return r.figures.count(column) > 0; }))
      g.figures.push_back(column);
  for (const auto& r : g.runs) {
    g.same_commit = g.same_commit && r.git_commit == g.runs[0].git_commit;
    g.same_command = g.same_command && r.command == g.runs[0].command;
    g.same_inputs = g.same_inputs && r.inputs == g.runs[0].inputs;
  }
  return g;
}

// The table's columns; `rows` false gives the same columns with no rows.
std::vector<h5::Column> runs_table(const Gathered& g, bool rows) {
  std::vector<Run> none;
  const std::vector<Run>& runs = rows ? g.runs : none;
  auto strings = [&](auto get) {
    std::vector<std::string> v;
    for (const auto& r : runs) v.push_back(get(r));
    return v;
  };
  auto u64 = [&](auto get) {
    std::vector<uint64_t> v;
    for (const auto& r : runs) v.push_back(get(r));
    return v;
  };
  std::vector<h5::Column> t;
  t.push_back({"path", strings([](const Run& r) { return r.path; })});
  t.push_back({"command", strings([](const Run& r) { return r.command; })});
  t.push_back({"git_commit", strings([](const Run& r) { return r.git_commit; })});
  t.push_back({"slurm_array_job_id", strings([](const Run& r) { return r.array_job_id; })});
  std::vector<int32_t> task;
  for (const auto& r : runs) task.push_back(r.array_task_id);
  t.push_back({"slurm_array_task_id", std::move(task)});
  t.push_back({"ranks", u64([](const Run& r) { return r.ranks; })});
  t.push_back({"threads", u64([](const Run& r) { return r.threads; })});
  std::vector<double> wall;
  for (const auto& r : runs) wall.push_back(r.wall);
  t.push_back({"wall_seconds", std::move(wall)});
  t.push_back({"peak_rss_bytes", u64([](const Run& r) { return r.peak_rss; })});
  t.push_back({"records_read", u64([](const Run& r) { return r.read; })});
  t.push_back({"records_used", u64([](const Run& r) { return r.used; })});
  t.push_back({"records_rejected", u64([](const Run& r) { return r.rejected; })});
  for (const auto& column : g.figures) {
    std::vector<double> v;
    for (const auto& r : runs) {
      const auto it = r.figures.find(column);
      v.push_back(it == r.figures.end() ? kNaN : it->second);
    }
    t.push_back({column, std::move(v)});
  }
  for (const auto& name : g.varying) {
    std::vector<std::string> v;
    for (const auto& r : runs) {
      const auto it = std::find_if(r.config.begin(), r.config.end(), [&](const auto& kv) { return kv.first == name; });
      v.push_back(it == r.config.end() ? std::string() : it->second);
    }
    t.push_back({"param:" + name, std::move(v)});
  }
  return t;
}

std::string csv_text(const std::vector<h5::Column>& table) {
  std::string text;
  for (size_t i = 0; i < table.size(); ++i) {
    if (i) text.push_back(',');
    csv::append_field(text, table[i].name);
  }
  text.push_back('\n');
  const size_t rows = std::visit([](const auto& v) { return v.size(); }, table[0].data());
  for (size_t r = 0; r < rows; ++r) {
    for (size_t i = 0; i < table.size(); ++i) {
      if (i) text.push_back(',');
      std::visit(
          [&](const auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type;
            if constexpr (std::is_same_v<T, std::string>) csv::append_field(text, v[r]);
            else if constexpr (std::is_same_v<T, double>) csv::append_double(text, v[r]);
            else if constexpr (std::is_same_v<T, int32_t>) csv::append_signed(text, v[r]);
            else csv::append_unsigned(text, uint64_t(v[r]));
          },
          table[i].data());
    }
    text.push_back('\n');
  }
  return text;
}

struct GatherConfig {
  std::string output;
  std::vector<std::string> files;
  uint64_t expect = 0;
  bool force = false, quiet = false;
};

int run_gather(const GatherConfig& cfg, const std::string& ini) {
  RunContext ctx("gather", ini, cfg.quiet);
  const bool csv_output = !ends_with(cfg.output, ".h5");
  return ctx.run([&] {
    ctx.declare_outputs({{cfg.output}}, cfg.force, csv_output ? std::string() : cfg.output, cfg.files);
    // Every rank reads the same attributes of every file: the same result on
    // every rank (write_table and write_attr check that they agree).
    const Gathered g = gather_runs(cfg.files);
    ctx.end_stage("read");
    if (ctx.root())
      for (const auto& [path, why] : g.failed) std::fprintf(stderr, "scanhpc gather: %s: %s\n", path.c_str(), why.c_str());
    const uint64_t expected = cfg.expect ? cfg.expect : cfg.files.size();
    const std::string count =
        "gathered " + std::to_string(g.runs.size()) + " of " + std::to_string(expected) + " runs";
    // Rank 0's reading decides for every rank (a file that one rank alone
    // could not read then fails write_table's check on every rank, not a hang).
    ctx.agree_root(g.runs.empty() ? "nothing used: " + count + "; nothing written" : "", kExitNothingUsed);
    if (!g.same_command) ctx.warn("the runs are of different commands (same_command = 0)");
    if (!g.same_commit) ctx.warn("the runs were made by different scanhpc commits (same_commit = 0)");
    if (!g.same_inputs) ctx.warn("the runs read different inputs (same_inputs = 0)");
    if (g.runs.size() > expected) ctx.warn(count + ": more runs than --expect");

    std::vector<h5::Column> table = runs_table(g, ctx.root());
    if (csv_output) {
      // Rank 0 writes the CSV under a temporary name and renames it when complete.
      std::string error;
      if (ctx.root()) {
        const std::string tmp = cfg.output + ".tmp." + ctx.run_id();
        ctx.add_temporary(tmp);
        {
          TextOutput out(tmp, ends_with(cfg.output, ".gz"));
          out.write(csv_text(table));
          if (!out.close()) error = "cannot write " + cfg.output + ": " + out.error();
        }
        if (error.empty() && std::rename(tmp.c_str(), cfg.output.c_str()) != 0)
          error = "cannot write " + cfg.output + ": " + std::strerror(errno);
        if (error.empty()) ctx.forget_temporary(tmp);
      }
      ctx.agree_root(error);
    } else {
      ctx.inputs_listed(cfg.files);
      h5::File& out = ctx.output();
      out.create_group("/gather");
      out.write_attr("/gather", "runs", uint64_t(g.runs.size()));
      out.write_attr("/gather", "expected", expected);
      out.write_attr("/gather", "failed", uint64_t(g.failed.size()));
      out.write_attr("/gather", "same_commit", uint64_t(g.same_commit));
      out.write_attr("/gather", "same_command", uint64_t(g.same_command));
      out.write_attr("/gather", "same_inputs", uint64_t(g.same_inputs));
      out.write_table("/gather/runs", table);
      std::vector<std::string> option, value, fpath, freason;
      if (ctx.root()) {
        for (const auto& [k, v] : g.constants) { option.push_back(k); value.push_back(v); }
        for (const auto& [p, why] : g.failed) { fpath.push_back(p); freason.push_back(why); }
      }
      out.write_table("/gather/constants", {{"option", std::move(option)}, {"value", std::move(value)}});
      out.write_table("/gather/failed", {{"path", std::move(fpath)}, {"reason", std::move(freason)}});
      ctx.end_stage("write");
      uint64_t bytes = 0;
      for (const auto& r : g.runs) bytes += r.bytes;
      ctx.commit_output(bytes);
    }
    // Any file that could not be used fails the gather, whatever --expect says.
    const bool runs_failed = g.runs.size() < expected || !g.failed.empty();
    if (ctx.root()) {
      if (!cfg.quiet || runs_failed) {  // a missing run is said even with --quiet
        std::string differ = g.varying.empty() ? "no option differs" : std::to_string(g.varying.size()) + " option(s) differ: ";
        for (size_t i = 0; i < g.varying.size(); ++i) differ += (i ? ", " : "") + g.varying[i];
        std::fprintf(stderr, "scanhpc gather: %s (%s) -> %s\n", count.c_str(), differ.c_str(), cfg.output.c_str());
        if (csv_output && !g.constants.empty() && !cfg.quiet) {
          std::fprintf(stderr, "  the same in every run:");
          for (const auto& [k, v] : g.constants) {
            std::string shown = v;
            std::replace(shown.begin(), shown.end(), '\n', ',');
            std::fprintf(stderr, " %s=%s", k.c_str(), shown.c_str());
          }
          std::fprintf(stderr, "\n");
        }
      }
    }
    return runs_failed ? kExitFailure : kExitOk;
  });
}

}  // namespace

int gather(const Args& args) {
  po::options_description o("gather options");
  o.add_options()
      ("output,o", po::value<std::string>(), "the table: OUT.h5 (HDF5), OUT.csv or OUT.csv.gz")
      ("expect", po::value<uint64_t>()->default_value(0),
       "runs the sweep submitted: fewer readable runs exit 1 (0: as many as FILEs)")
      ("force", po::bool_switch()->default_value(false), "replace an output that exists (never an input)")
      ("quiet,q", po::bool_switch()->default_value(false), "no summary on stderr")
      ("file", po::value<std::vector<std::string>>()->composing(), "a run's output file (repeatable)");
  try {
    auto parsed = parse_command(args, o, "file");
    if (parsed.help) {
      std::cout << kHelp << o << "\n";
      return 0;
    }
    if (parsed.dump_config) {
      std::cout << effective_config(o, parsed.vm);
      return 0;
    }
    const auto& vm = parsed.vm;
    GatherConfig c;
    if (!vm.count("output")) throw UsageError("no output given (-o OUT.h5, OUT.csv or OUT.csv.gz)");
    c.output = vm["output"].as<std::string>();
    if (!ends_with(c.output, ".h5") && !ends_with(c.output, ".csv") && !ends_with(c.output, ".csv.gz"))
      throw UsageError("-o: the output is OUT.h5, OUT.csv or OUT.csv.gz, not " + c.output);
    if (vm.count("file")) c.files = vm["file"].as<std::vector<std::string>>();
    if (c.files.empty()) throw UsageError("no run's file given");
    c.expect = vm["expect"].as<uint64_t>();
    c.force = vm["force"].as<bool>();
    c.quiet = vm["quiet"].as<bool>();
    dist::Environment mpi(nullptr, nullptr);
    return run_gather(c, effective_config(o, parsed.vm));
  } catch (const UsageError& e) {
    return usage_error("gather", e);
  }
}

}  // namespace scanhpc::commands
