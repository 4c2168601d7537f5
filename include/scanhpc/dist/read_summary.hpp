#pragma once
// Collective: the one merge of every reader's summary across ranks. Counts
// are summed; the first errors by (file, offset) go up a binomial tree, each
// message at most the kept sample, so rank 0 receives log2(P) samples, not P;
// damaged streams (one per file or damaged gzip member) are gathered whole. Every rank
// returns the same summary, errors and damaged streams sorted.
#include "scanhpc/core/read_summary.hpp"
#include "scanhpc/dist/mpi.hpp"

namespace scanhpc::dist {

ReadSummary reduce_read_summary(const Comm& comm, ReadSummary local);

}  // namespace scanhpc::dist
