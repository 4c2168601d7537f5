#pragma once
// Collective: the one file table of every command. Rank 0 expands the input
// arguments (no file opened), every rank sniffs a contiguous share of the
// candidates (size, identity, magic, format), rank 0 assembles the table
// (duplicates, folder members that are not inputs) and broadcasts it once.
// Warnings are printed once, the outputs are checked against the inputs
// (RunContext::inputs_listed) before anything is read.
#include <string>
#include <vector>

#include "scanhpc/commands/run_context.hpp"
#include "scanhpc/io/input_listing.hpp"

namespace scanhpc::commands {

struct InputTable {
  std::vector<InputFile> files;
  std::vector<SkippedFile> skipped;
};

// Fails every rank together (AgreedFailure) with the first problem in input
// order: a missing path, a glob with no match, an unreadable file.
InputTable list_input_table(RunContext& ctx, const std::vector<std::string>& specs, InputRole role,
                            MasscanFormat forced = MasscanFormat::automatic);

}  // namespace scanhpc::commands
