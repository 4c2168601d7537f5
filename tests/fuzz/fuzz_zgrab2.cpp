// libFuzzer harness: the zgrab2 reader (see fuzz_masscan.hpp for the properties).
#include "fuzz_masscan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return scanhpc::fuzz::fuzz_masscan(data, size, scanhpc::MasscanFormat::zgrab2);
}
