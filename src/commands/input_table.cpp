#include "scanhpc/commands/input_table.hpp"

#include "scanhpc/commands/skipped_files.hpp"

namespace scanhpc::commands {
namespace {

std::string not_inputs_of(InputRole role) {
  switch (role) {
    case InputRole::masscan: return "not masscan output";
    case InputRole::flowtuple: return "not flowtuple files";
    case InputRole::ports: return "not CSV, FT4 or masscan output";
  }
  return "not inputs";
}

}  // namespace

InputTable list_input_table(RunContext& ctx, const std::vector<std::string>& specs, InputRole role,
                            MasscanFormat forced) {
  const auto& comm = ctx.comm();
  // 1. Rank 0 expands the arguments; every rank gets the candidates.
  std::string candidates_blob, error;
  if (ctx.root()) {
    try {
      candidates_blob = serialize_candidates(expand_inputs(specs));
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  ctx.agree_root(error);
  comm.bcast(candidates_blob, 0);
  const ExpandedInputs expanded = deserialize_candidates(candidates_blob);
  // 2. Each rank sniffs its contiguous share; rank 0 gathers them in rank order = input order.
  const size_t n = expanded.candidates.size(), P = size_t(comm.size()), r = size_t(comm.rank());
  std::vector<SniffedInput> mine;
  for (size_t i = n * r / P; i < n * (r + 1) / P; ++i) mine.push_back(sniff_input(expanded.candidates[i], role));
  const auto parts = comm.gather_strings(serialize_sniffed(mine), 0);
  // 3. Rank 0 assembles the table and broadcasts it once, with the skipped files and warnings.
  std::string table_blob;
  ListedInputs listed;
  if (ctx.root()) {
    try {
      std::vector<SniffedInput> sniffed;
      for (const auto& p : parts)
        for (auto& s : deserialize_sniffed(p)) sniffed.push_back(std::move(s));
      listed = assemble_inputs(expanded, sniffed, role, forced);
      table_blob = serialize_inputs(listed.files);
      std::string skipped = pack_skipped(listed.skipped);
      table_blob = std::to_string(table_blob.size()) + "\n" + table_blob + skipped;
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  ctx.agree_root(error);
  for (const auto& w : listed.warnings) ctx.warn(w);
  if (!listed.skipped.empty() && !ctx.quiet())
    ctx.warn("skipped files of the input folders that are " + not_inputs_of(role) + ": " +
             describe_skipped(listed.skipped));
  comm.bcast(table_blob, 0);
  const size_t nl = table_blob.find('\n');
  const size_t table_bytes = std::stoull(table_blob.substr(0, nl));
  InputTable out{deserialize_inputs(table_blob.substr(nl + 1, table_bytes)),
                 unpack_skipped(table_blob.substr(nl + 1 + table_bytes))};
  std::vector<std::string> paths;
  for (const auto& f : out.files) paths.push_back(f.path);
  ctx.inputs_listed(paths);
  return out;
}

}  // namespace scanhpc::commands
