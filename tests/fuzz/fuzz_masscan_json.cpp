// libFuzzer harness: masscan's JSON readers, -oJ and -oD (NDJSON) (see fuzz_masscan.hpp for the properties).
#include "fuzz_masscan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return scanhpc::fuzz::fuzz_masscan(data, size, scanhpc::MasscanFormat::json,
                                      scanhpc::MasscanFormat::ndjson);
}
