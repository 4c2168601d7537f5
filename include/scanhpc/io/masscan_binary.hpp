#pragma once
// masscan's binary output (-oB, read back by `masscan --readscan`).
#include <cstdint>

#include "scanhpc/io/byte_stream.hpp"
#include "scanhpc/io/parse_sink.hpp"

namespace scanhpc {

// Reads a whole -oB stream from its header on. Never throws on bad bytes:
// a record that cannot be decoded is rejected into the sink with its offset,
// and a stream that cannot be resynchronised ends with one rejection.
void read_masscan_binary(ByteStream& in, uint32_t file, ParseSink& sink);

}  // namespace scanhpc
