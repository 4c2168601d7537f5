#include "scanhpc/dist/read_summary.hpp"

#include <algorithm>

#include "scanhpc/dist/tree_reduce.hpp"

namespace scanhpc::dist {
namespace {

std::vector<char> as_bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<ParseError> first_errors(std::vector<ParseError> v) {
  std::sort(v.begin(), v.end(), error_before);
  if (v.size() > ReadSummary::kErrorsKept) v.resize(ReadSummary::kErrorsKept);
  return v;
}

}  // namespace

ReadSummary reduce_read_summary(const Comm& comm, ReadSummary local) {
  ReadSummary out;
  std::vector<uint64_t> counts = {local.records_read, local.records_used, local.records_rejected};
  comm.allreduce_sum_inplace(counts);
  out.records_read = counts[0];
  out.records_used = counts[1];
  out.records_rejected = counts[2];
  // The first errors: a sample of at most kErrorsKept on each edge of the tree.
  auto merged = tree_reduce_to_root(comm, as_bytes(serialize_errors(first_errors(std::move(local.errors)))),
                                    [](std::vector<char> a, std::vector<char> b) {
                                      std::vector<ParseError> both;
                                      deserialize_errors(std::string(a.begin(), a.end()), both);
                                      deserialize_errors(std::string(b.begin(), b.end()), both);
                                      return as_bytes(serialize_errors(first_errors(std::move(both))));
                                    });
  std::string errors(merged.begin(), merged.end());
  comm.bcast(errors, 0);
  deserialize_errors(errors, out.errors);
  // Damaged streams: at most one per file, every one kept.
  std::string damaged;
  for (const auto& part : comm.gather_strings(serialize_errors(local.damaged), 0)) damaged += part;
  if (comm.is_root()) {
    std::vector<ParseError> all;
    deserialize_errors(damaged, all);
    std::sort(all.begin(), all.end(), error_before);
    damaged = serialize_errors(all);
  }
  comm.bcast(damaged, 0);
  deserialize_errors(damaged, out.damaged);
  return out;
}

}  // namespace scanhpc::dist
