// scanhpc info FILE.h5: provenance, then every dataset and attribute.
#include <cstdio>
#include <iostream>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/h5/h5.hpp"

namespace scanhpc::commands {

int info(const Args& args) {
  po::options_description options("info options");
  options.add_options()("file", po::value<std::vector<std::string>>(), "scanhpc HDF5 file(s)");
  ParsedCommand parsed;
  try {
    parsed = parse_command(args, options, "file");
  } catch (const UsageError& e) {
    std::cerr << "scanhpc info: " << e.what() << "\n";
    return 2;
  }
  if (parsed.help || !parsed.vm.count("file")) {
    std::cout << "usage: scanhpc info FILE.h5...\n\nPrints the provenance, datasets (type, rows) and attributes.\n";
    return parsed.help ? 0 : 2;
  }
  h5::silence_diagnostics();
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
        std::printf("  %-40s %-8s %llu rows\n", d.path.c_str(), d.type.c_str(), (unsigned long long)d.rows);
      std::printf("attributes:\n");
      for (const auto& a : attrs)
        if (a.object_path != "/" && a.name != "columns")
          std::printf("  %s @%s = %s\n", a.object_path.c_str(), a.name.c_str(), a.value_text.c_str());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "scanhpc info: %s: %s\n", path.c_str(), e.what());
      rc = 1;
    }
  }
  return rc;
}

}  // namespace scanhpc::commands
