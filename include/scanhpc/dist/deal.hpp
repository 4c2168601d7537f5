#pragma once
// Collective: rows that one rank holds spread evenly over every rank.
// A single stream (a gzip file, stdin, -oB) is read by one rank; its rows
// cannot go to their owners while it is read, because the partitioner needs
// every rank's addresses first. So they are dealt as they are read: piece r
// of each rank's batch (contiguous, in order) goes to rank r, and the
// partitioner routes them later like any other rows. Memory stays at one
// share per rank; the rows cross the network twice.
#include <cstdint>

#include "scanhpc/core/observations.hpp"
#include "scanhpc/dist/mpi.hpp"

namespace scanhpc::dist {

// Rank that piece i of n rows goes to when dealt over `ranks` (the pieces
// are slice_begin's: contiguous, sizes differ by at most one).
size_t dealt_to(uint64_t i, uint64_t n, size_t ranks);

// Every rank passes its batch (possibly empty); batches are cleared and the
// pieces this rank receives are appended to `status` and `banners`, in
// source-rank order, each source's rows in its order. Moves at most
// round_bytes per rank per MPI round.
void deal_evenly(const Comm& comm, StatusColumns& batch, BannerColumns& banner_batch, StatusColumns& status,
                 BannerColumns& banners, uint64_t round_bytes, uint64_t* rounds = nullptr);

}  // namespace scanhpc::dist
