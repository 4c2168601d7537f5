#pragma once
// The `scanhpc flow` steps (src/commands/flow.cpp, flow_convert.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "scanhpc/commands/commands.hpp"
#include "scanhpc/commands/flow_input.hpp"
#include "scanhpc/flow/query.hpp"

namespace scanhpc::commands {

struct FlowQueryConfig {
  FlowInputConfig input;
  flow::Selection selection;
  std::string output;
  int threads = 0;
  bool quiet = false;
  bool force = false;  // outputs that exist may be replaced
  uint64_t round_bytes = 64 << 20;
};

int flow_convert(const Args& args);     // flow convert FT3... -o DIR
int synth_flowtuple(const Args& args);  // synth flowtuple --version 3|4 -o DIR
int synth_honeypot(const Args& args);   // synth honeypot -o FILE.csv (src/commands/synth_honeypot.cpp)

}  // namespace scanhpc::commands
