#include "scanhpc/io/output_check.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace scanhpc {
namespace fs = std::filesystem;

namespace {

// Why a process cannot create entries in `dir` (an existing folder); empty if it can.
// access() answers for root too on a read-only file system (EROFS).
std::string folder_not_writable(const std::string& dir) {
  if (::access(dir.c_str(), W_OK | X_OK) == 0) return {};
  return std::strerror(errno);
}

}  // namespace

std::string parent_folder(const std::string& path) {
  const fs::path p(path);
  const fs::path parent = p.parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string local_output_problem(const OutputTarget& t, bool force) {
  const std::string& path = t.path;
  const std::string head = "cannot write " + path + ": ";
  if (path.empty()) return "cannot write an output with an empty name";
  if (path == "-" && t.allow_special) return {};
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (!exists && errno == ENOTDIR) {  // a file where a folder of the path should be
    fs::path up = fs::path(path).parent_path();
    while (!up.empty() && ::stat(up.c_str(), &st) != 0) up = up.parent_path();
    return head + up.string() + " is not a directory";
  }
  if (!exists && errno != ENOENT) return head + std::strerror(errno);
  if (t.directory) {
    if (exists) {
      if (!S_ISDIR(st.st_mode)) return head + "it exists and is not a directory";
      const std::string why = folder_not_writable(path);
      return why.empty() ? std::string() : head + why;
    }
    // Created with its missing parents: the nearest existing ancestor must take it.
    fs::path up = fs::path(path).parent_path();
    while (!up.empty() && ::stat(up.c_str(), &st) != 0) up = up.parent_path();
    const std::string base = up.empty() ? std::string(".") : up.string();
    if (::stat(base.c_str(), &st) != 0) return head + std::strerror(errno);
    if (!S_ISDIR(st.st_mode)) return head + base + " is not a directory";
    const std::string why = folder_not_writable(base);
    return why.empty() ? std::string() : head + "cannot create it in " + base + ": " + why;
  }
  if (exists) {
    if (S_ISDIR(st.st_mode)) return head + "it is a directory (give a file name)";
    if (!S_ISREG(st.st_mode) && !t.allow_special) return head + "it exists and is not a regular file";
    if (S_ISREG(st.st_mode) && !force) return head + "it exists (use --force to replace it)";
  }
  const std::string dir = parent_folder(path);
  struct stat dst {};
  if (::stat(dir.c_str(), &dst) != 0) {
    if (errno == ENOENT) return head + "directory " + dir + " does not exist";
    return head + dir + ": " + std::strerror(errno);
  }
  if (!S_ISDIR(dst.st_mode)) return head + dir + " is not a directory";
  if (exists && !S_ISREG(st.st_mode)) return {};  // a FIFO or device is written in place
  // A new file (or its temporary sibling, renamed over the old one) is made in the folder.
  const std::string why = folder_not_writable(dir);
  return why.empty() ? std::string() : head + why;
}

std::string local_output_is_input(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs) {
  std::vector<std::pair<dev_t, ino_t>> ids;
  std::vector<const std::string*> names;
  for (const auto& in : inputs) {
    struct stat st {};
    if (in == "-" || ::stat(in.c_str(), &st) != 0) continue;
    ids.emplace_back(st.st_dev, st.st_ino);
    names.push_back(&in);
  }
  for (const auto& out : outputs) {
    struct stat st {};
    if (out.empty() || out == "-" || ::stat(out.c_str(), &st) != 0) continue;
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] == std::make_pair(st.st_dev, st.st_ino))
        return "cannot write " + out + ": it is the input " + *names[i] + " (refused even with --force)";
  }
  return {};
}

}  // namespace scanhpc
