#include "scanhpc/core/fault_injection.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace scanhpc {
namespace {

struct Fault {
  std::string point, action;
  int rank = -1;  // -1: every rank
};

int g_rank = 0;

const std::vector<Fault>& faults() {
  static const std::vector<Fault> parsed = [] {
    std::vector<Fault> out;
    const char* env = std::getenv("SCANHPC_FAULT");
    if (!env) return out;
    std::string spec = env;
    for (size_t pos = 0; pos <= spec.size();) {
      size_t end = spec.find(',', pos);
      if (end == std::string::npos) end = spec.size();
      std::string item = spec.substr(pos, end - pos);
      pos = end + 1;
      const size_t colon = item.find(':');
      if (item.empty() || colon == std::string::npos) continue;
      Fault f;
      f.point = item.substr(0, colon);
      f.action = item.substr(colon + 1);
      const size_t at = f.action.find('@');
      if (at != std::string::npos) {
        f.rank = std::atoi(f.action.c_str() + at + 1);
        f.action.resize(at);
      }
      out.push_back(f);
    }
    return out;
  }();
  return parsed;
}

}  // namespace

void set_fault_rank(int rank) { g_rank = rank; }

void fault_point(std::string_view point) {
  for (const auto& f : faults()) {
    if (f.point != point || (f.rank >= 0 && f.rank != g_rank)) continue;
    if (f.action == "throw")
      throw std::runtime_error("injected fault at " + f.point + " (SCANHPC_FAULT): input/output error");
    if (f.action == "sigkill") std::raise(SIGKILL);
    if (f.action == "sigint") std::raise(SIGINT);
    if (f.action == "sigterm") std::raise(SIGTERM);
    if (f.action == "stop") std::raise(SIGSTOP);
    if (f.action == "stall") {
      std::raise(SIGSTOP);
      ::sleep(60);  // a signal that ends the run ends the sleep too
    }
  }
}

}  // namespace scanhpc
