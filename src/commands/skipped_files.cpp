#include "scanhpc/commands/skipped_files.hpp"

namespace scanhpc::commands {

std::string pack_skipped(const std::vector<SkippedFile>& skipped) {
  std::string out;
  for (const auto& k : skipped) out += k.path + '\t' + k.reason + '\n';
  return out;
}

std::vector<SkippedFile> unpack_skipped(const std::string& text) {
  std::vector<SkippedFile> out;
  for (size_t pos = 0; pos < text.size();) {
    const size_t tab = text.find('\t', pos), nl = text.find('\n', pos);
    out.push_back({text.substr(pos, tab - pos), text.substr(tab + 1, nl - tab - 1)});
    pos = nl + 1;
  }
  return out;
}

void write_skipped(h5::File& out, bool root, const std::string& group, const std::vector<SkippedFile>& skipped) {
  out.write_attr(group, "files_skipped", uint64_t(skipped.size()));
  std::vector<std::string> path, reason;
  if (root)
    for (const auto& k : skipped) {
      path.push_back(k.path);
      reason.push_back(k.reason);
    }
  out.write_table(group + "/skipped", {{"path", std::move(path)}, {"reason", std::move(reason)}});
}

}  // namespace scanhpc::commands
