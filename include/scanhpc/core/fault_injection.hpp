#pragma once
// A test hook for the failure paths: SCANHPC_FAULT="POINT:ACTION[@RANK],..."
// makes a named point of a run fail the way a real fault would, so that the
// tests can prove what a user sees when a disk fills, a rank dies or an input
// vanishes. Unset (always, outside tests) it costs one getenv per process.
//
// ACTION: throw (a local read/write error, std::runtime_error), sigkill,
// sigint, sigterm (raised on this process), stop (SIGSTOP: the test acts
// while the run is paused, then sends SIGCONT), stall (SIGSTOP, and once
// continued it sleeps a minute: a rank that is still busy when the run is
// interrupted, however fast the rest of its work would be). RANK: the rank that fails
// (default: every rank). POINTs are named where fault_point() is called:
// docs/testing.md lists them.
#include <string_view>

namespace scanhpc {

// The rank this process is, for @RANK (set once MPI is up; 0 until then).
void set_fault_rank(int rank);

// Fails here if SCANHPC_FAULT names this point for this rank.
void fault_point(std::string_view point);

}  // namespace scanhpc
