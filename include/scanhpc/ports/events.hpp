#pragma once
// Events for the port analyses of seed 003 ("ports as categories"), MPI-free:
// one row per packet or connection attempt seen by a sensor (a honeypot, a
// telescope network, a scanner's target), from honeypot CSV logs, FT4
// flowtuples or masscan scans alike. Columns (structure of arrays).
#include <cstdint>
#include <string>
#include <vector>

namespace scanhpc::ports {

enum class Proto : uint8_t { other = 0, icmp = 1, tcp = 6, udp = 17 };

constexpr uint32_t kNoPort = 0xFFFFFFFFu;  // ICMP rows and rows whose port field is empty

struct EventColumns {
  std::vector<uint32_t> time;      // Unix seconds (UTC)
  std::vector<uint32_t> sensor;    // index into `sensors`
  std::vector<uint32_t> src;       // source IPv4
  std::vector<uint8_t> proto;      // IP protocol number (Proto for the common ones)
  std::vector<uint32_t> dst_port;  // 0..65535, or kNoPort
  // No source port: the parsers check it, no analysis reads it, and a column
  // of it cost a sixth of the read stage's memory and time.
  std::vector<std::string> sensors;  // sensor names; ids are indices

  size_t size() const { return time.size(); }
  void reserve(size_t rows);  // growing five columns row by row costs page faults and copies
  // The id of a sensor name, added on first use.
  uint32_t sensor_id(const std::string& name);
  void push_back(uint32_t t, uint32_t sensor_index, uint32_t source, uint8_t protocol, uint32_t dport);
};

}  // namespace scanhpc::ports
