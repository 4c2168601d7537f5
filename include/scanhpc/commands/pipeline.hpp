#pragma once
// The first half of every command's path, shared: inputs -> byte ranges ->
// parsed columns -> prefix ownership -> rows (and, on request, banner
// records) on the rank that owns their address.
#include <cstdint>
#include <string>
#include <vector>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/input_table.hpp"
#include "scanhpc/commands/run_options.hpp"
#include "scanhpc/commands/run_context.hpp"
#include "scanhpc/commands/scan_output.hpp"
#include "scanhpc/dist/exchange.hpp"
#include "scanhpc/io/ingest.hpp"
#include "scanhpc/kernels/services.hpp"

namespace scanhpc::commands {

struct IngestConfig {
  std::vector<std::string> inputs;
  std::string output;
  MasscanFormat format = MasscanFormat::automatic;
  bool fail_on_error = false;
  bool quiet = false;
  int threads = 0;
  uint64_t chunk_bytes = 0, round_bytes = 0, max_record_bytes = 0;
  bool keep_banners = false;  // route banner records to their owner too
  bool force = false;         // outputs that exist may be replaced
  bool allow_empty = false;   // no record used: exit 0, not 3
  int default_port = -1;      // --port: ZMap rows without sport
  uint8_t default_proto = 1;  // --proto: ZMap's probe protocol (Proto::tcp)
  bool lzr_filter = true;     // --lzr-filter: raw LZR records as GPS's preparation keeps them
  const InputTable* listed = nullptr;  // the inputs, when another command listed them (ports)
};

// The options every ingesting command shares (output default given per
// command), the run options (run_options.hpp) among them.
void add_ingest_options(po::options_description& options, const std::string& default_output);
// Reads them back; throws UsageError naming the bad option.
IngestConfig ingest_config_from(const po::variables_map& vm);

struct DistributedInput {
  std::vector<InputFile> files;
  IngestSummary summary;
  uint64_t input_bytes = 0;
  PrefixOwnership ownership;
  std::vector<ServiceEntry> rows;   // this rank's status rows, in arrival order
  std::vector<ServiceEntry> spare;  // a drained buffer, reusable as sort scratch
  BannerColumns banners;            // this rank's banner records (keep_banners)
  dist::ExchangeStats exchange;
};

// Collective. Lists the inputs, calls ctx.inputs_listed (the outputs must
// have been declared), reads and routes. Fails on every rank together
// (AgreedFailure) on unreadable input, with fail_on_error on the first bad
// record, and with exit 3 when no record is used (unless allow_empty).
DistributedInput ingest_and_distribute(RunContext& ctx, const IngestConfig& cfg);

}  // namespace scanhpc::commands
