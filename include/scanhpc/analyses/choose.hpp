#pragma once
// --analyses for every registry: a comma-separated list of names or "all",
// returned in registry order (the output order), each once.
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace scanhpc::analyses {

// Throws std::invalid_argument naming an unknown analysis (and the known
// ones) or an empty choice. Info has a `name`.
template <class Info>
std::vector<const Info*> choose_from(const std::vector<Info>& registry, const std::string& list) {
  std::set<std::string> chosen;
  std::string names;
  for (const auto& a : registry) names += (names.empty() ? "" : ", ") + a.name;
  std::stringstream in(list);
  for (std::string a; std::getline(in, a, ',');) {
    if (a.empty()) continue;
    if (a == "all") {
      for (const auto& info : registry) chosen.insert(info.name);
      continue;
    }
    bool known = false;
    for (const auto& info : registry) known |= info.name == a;
    if (!known) throw std::invalid_argument("unknown analysis '" + a + "' (" + names + ", all)");
    chosen.insert(a);
  }
  if (chosen.empty()) throw std::invalid_argument("choose at least one of " + names);
  std::vector<const Info*> out;
  for (const auto& info : registry)
    if (chosen.count(info.name)) out.push_back(&info);
  return out;
}

}  // namespace scanhpc::analyses
