#include "scanhpc/ports/events.hpp"

#include <algorithm>

namespace scanhpc::ports {

uint32_t EventColumns::sensor_id(const std::string& name) {
  auto it = std::find(sensors.begin(), sensors.end(), name);
  if (it != sensors.end()) return uint32_t(it - sensors.begin());
  sensors.push_back(name);
  return uint32_t(sensors.size() - 1);
}

void EventColumns::reserve(size_t rows) {
  time.reserve(rows);
  sensor.reserve(rows);
  src.reserve(rows);
  proto.reserve(rows);
  dst_port.reserve(rows);
}

void EventColumns::push_back(uint32_t t, uint32_t sensor_index, uint32_t source, uint8_t protocol, uint32_t dport) {
  time.push_back(t);
  sensor.push_back(sensor_index);
  src.push_back(source);
  proto.push_back(protocol);
  dst_port.push_back(dport);
}

}  // namespace scanhpc::ports
