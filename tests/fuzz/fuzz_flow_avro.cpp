// libFuzzer harness: the Avro container reader and the flowtuple block
// decoder (FT3 and FT4, null and deflate codecs). Properties: read = used +
// rejected; decoding the blocks in two ranges (as threads and ranks split a
// file) gives the same records and counts as one range.
#include "fuzz_support.hpp"
#include "scanhpc/flow/avro.hpp"

using namespace scanhpc::flow;

namespace {
template <class Columns>
void decode_and_check(const FlowAvroFile& file) {
  const size_t n = file.blocks().size();
  Columns all, first, second;
  FlowReadStats s_all, s1, s2;
  file.decode_blocks(0, n, all, s_all);
  FUZZ_CHECK(s_all.records_read == s_all.records_used + s_all.records_rejected);
  FUZZ_CHECK(all.size() == s_all.records_used);
  FUZZ_CHECK(s_all.errors.size() <= scanhpc::ReadSummary::kErrorsKept);
  file.decode_blocks(0, n / 2, first, s1);
  file.decode_blocks(n / 2, n, second, s2);
  FUZZ_CHECK(s1.records_read + s2.records_read == s_all.records_read);
  FUZZ_CHECK(s1.records_used + s2.records_used == s_all.records_used);
  FUZZ_CHECK(first.size() + second.size() == all.size());
  for (size_t i = 0; i < first.size(); ++i) FUZZ_CHECK(first.time[i] == all.time[i]);
  for (size_t i = 0; i < second.size(); ++i) FUZZ_CHECK(second.time[i] == all.time[first.size() + i]);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  scanhpc::fuzz::MemFile mem(data, size);
  try {
    FlowAvroFile file(mem.path());
    for (const auto& b : file.blocks())  // an intact block lies inside the file, sync marker included
      FUZZ_CHECK(b.status != AvroBlock::Status::ok || b.data_offset + b.bytes + 16 <= size);
    if (file.info().version == FlowVersion::ft3)
      decode_and_check<Ft3Columns>(file);
    else
      decode_and_check<Ft4Columns>(file);
  } catch (const std::runtime_error&) {
    // not Avro, or not a flowtuple schema: a clear error naming the file
  }
  return 0;
}
