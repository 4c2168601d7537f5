#pragma once
// Inputs of `scanhpc ports` as port events (ports/events.hpp). Collective;
// see src/commands/ports.cpp.
#include <cstdint>
#include <string>
#include <vector>

#include "scanhpc/commands/run_context.hpp"
#include "scanhpc/io/inputs.hpp"
#include "scanhpc/ports/port_stats.hpp"

namespace scanhpc::commands {

struct PortsInputConfig {
  std::vector<std::string> inputs;
  std::string source = "auto";  // csv, ft4, auto (.avro files are FT4)
  std::string columns;          // CSV column mapping, "field=header,..."
  bool fail_on_error = false;
  bool allow_empty = false;     // no record used: exit 0, not 3
};

struct PortsInputSummary {
  std::string source;               // csv or ft4
  std::vector<std::string> files;
  std::vector<SkippedFile> skipped;  // folder members that are not inputs (not read)
  uint64_t records_read = 0, records_used = 0, records_rejected = 0;
  uint64_t rows_repaired = 0;       // CSV rows with extra fields in the ignored tail
  uint64_t input_bytes = 0;
  std::vector<std::string> errors;  // the first messages (rank 0)
};

// Collective: this rank's share of the inputs as events (its own sensor numbering).
PortsInputSummary read_port_events(RunContext& ctx, const PortsInputConfig& cfg, ports::EventColumns& events);

}  // namespace scanhpc::commands
