// scanhpc info FILE.h5: provenance, then every dataset (with its units) and
// the groups' attributes; with --table GROUP, the first --head rows of one
// table as export's CSV; with --columns, the column catalogue as Markdown.
#include <cstdio>
#include <iostream>
#include <optional>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/table_csv.hpp"
#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/h5/h5.hpp"

namespace scanhpc::commands {
namespace {

// A Markdown table cell: `|` and `\` escaped.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The column catalogue as Markdown: one table per table path.
std::string column_catalogue_markdown() {
  std::string out;
  std::string table;
  for (const auto& e : h5::column_catalogue()) {
    if (e.table != table) {
      table = e.table;
      out += "\n`" + table + "`\n\n| column | units | description |\n|---|---|---|\n";
    }
    std::string description = e.doc.description;
    if (!e.doc.flag_masks.empty()) {
      description += " (CF flag_masks";
      for (size_t i = 0; i < e.doc.flag_masks.size(); ++i)
        description += (i ? ", " : " ") + std::to_string(e.doc.flag_masks[i]);
      description += "; flag_meanings " + e.doc.flag_meanings + ")";
    }
    out += "| " + cell(e.column) + " | " + cell(e.doc.units) + " | " + cell(description) + " |\n";
  }
  return out;
}

}  // namespace

int info(const Args& args) {
  po::options_description options("info options");
  options.add_options()
      ("file", po::value<std::vector<std::string>>(), "scanhpc HDF5 file(s)")
      ("table", po::value<std::string>(), "print the first rows of this table (a group, e.g. /hosts/table) as CSV")
      ("head", po::value<uint64_t>()->default_value(10), "rows printed with --table")
      ("dotted-ip", po::bool_switch()->default_value(false), "with --table: IPv4 columns as dotted quads")
      ("iso-times", po::bool_switch()->default_value(false), "with --table: time and day columns as ISO 8601 (UTC)")
      ("columns", po::bool_switch()->default_value(false),
       "print the units and description of every column scanhpc writes (Markdown, as in docs/hdf5-layout.md)");
  ParsedCommand parsed;
  try {
    parsed = parse_command(args, options, "file");
  } catch (const UsageError& e) {
    std::cerr << "scanhpc info: " << e.what() << "\n";
    return 2;
  }
  if (!parsed.help && parsed.vm["columns"].as<bool>()) {
    if (parsed.vm.count("file")) return usage_error("info", "--columns reads no file");
    std::fputs(column_catalogue_markdown().c_str(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  if (parsed.help || !parsed.vm.count("file")) {
    std::cout << "usage: scanhpc info FILE.h5...\n"
                 "       scanhpc info FILE.h5 --table GROUP [--head N] [--dotted-ip] [--iso-times]\n"
                 "       scanhpc info --columns\n\n"
                 "Prints the provenance, datasets (type, rows, units) and the groups' attributes; with --table,\n"
                 "the header and first N rows of one table as the CSV `scanhpc export` writes; with --columns,\n"
                 "the units and description of every column scanhpc writes.\n\n"
              << options;
    return parsed.help ? 0 : 2;
  }
  h5::silence_diagnostics();
  if (parsed.vm.count("table")) {
    const auto files = parsed.vm["file"].as<std::vector<std::string>>();
    if (files.size() != 1) return usage_error("info", "--table reads one file, got " + std::to_string(files.size()));
    const csv::Readable readable{parsed.vm["dotted-ip"].as<bool>(), parsed.vm["iso-times"].as<bool>()};
    std::optional<h5::File> file;
    try {
      file.emplace(h5::File::open_read(files[0]));
      const h5::TableReader table(*file, parsed.vm["table"].as<std::string>());
      write_table_csv(table, readable, parsed.vm["head"].as<uint64_t>(),
                      [](std::string_view t) { std::fwrite(t.data(), 1, t.size(), stdout); });
    } catch (const h5::NotATable& e) {
      std::fprintf(stderr, "scanhpc info: %s\n", not_a_table_message(*file, files[0], e).c_str());
      return 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "scanhpc info: %s: %s\n", files[0].c_str(), e.what());
      return 1;
    }
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  int rc = 0;
  for (const auto& path : parsed.vm["file"].as<std::vector<std::string>>()) {
    try {
      auto file = h5::File::open_read(path);
      std::printf("%s\n", path.c_str());
      std::printf("provenance:\n");
      auto attrs = h5::list_attributes(file);
      for (const auto& a : attrs) {
        if (a.object_path != "/") continue;
        std::string text = a.value_text;  // the config is INI text: indent its lines
        for (size_t at = text.find('\n'); at != std::string::npos && at + 1 < text.size(); at = text.find('\n', at + 1))
          text.insert(at + 1, std::string(21, ' '));
        std::printf("  %-16s %s\n", a.name.c_str(), text.c_str());
      }
      std::printf("datasets:\n");
      for (const auto& d : h5::list_datasets(file))
        std::printf("  %-40s %-8s %llu rows%s%s\n", d.path.c_str(), d.type.c_str(), (unsigned long long)d.rows,
                    d.units.empty() ? "" : "  ", d.units.c_str());
      std::printf("attributes:\n");  // of groups: the columns' are their documentation (info --columns)
      for (const auto& a : attrs)
        if (a.object_path != "/" && a.name != "columns" && !a.on_dataset)
          std::printf("  %s @%s = %s\n", a.object_path.c_str(), a.name.c_str(), a.value_text.c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "scanhpc info: %s: %s\n", path.c_str(), e.what());
      rc = 1;
    }
  }
  return rc;
}

}  // namespace scanhpc::commands
