#include "scanhpc/core/observations.hpp"

namespace scanhpc {
namespace {
template <class T>
void append_vec(std::vector<T>& a, const std::vector<T>& b) {
  a.insert(a.end(), b.begin(), b.end());
}
template <class T>
void permute_vec(std::vector<T>& v, const std::vector<uint32_t>& order) {
  std::vector<T> out(order.size());
  for (size_t i = 0; i < order.size(); ++i) out[i] = v[order[i]];
  v.swap(out);
}
}  // namespace

void StatusColumns::reserve(size_t n) {
  ip.reserve(n); ts.reserve(n); port.reserve(n); proto.reserve(n);
  status.reserve(n); reason.reserve(n); ttl.reserve(n); known.reserve(n);
}

void StatusColumns::clear() {
  ip.clear(); ts.clear(); port.clear(); proto.clear();
  status.clear(); reason.clear(); ttl.clear(); known.clear();
}

void StatusColumns::shrink_to_fit() {
  ip.shrink_to_fit(); ts.shrink_to_fit(); port.shrink_to_fit(); proto.shrink_to_fit();
  status.shrink_to_fit(); reason.shrink_to_fit(); ttl.shrink_to_fit(); known.shrink_to_fit();
}

void StatusColumns::push_back(const StatusRow& r) {
  ip.push_back(r.ip); ts.push_back(r.ts); port.push_back(r.port); proto.push_back(r.proto);
  status.push_back(r.status); reason.push_back(r.reason); ttl.push_back(r.ttl); known.push_back(r.known);
}

StatusRow StatusColumns::row(size_t i) const {
  StatusRow r;
  r.ip = ip[i]; r.ts = ts[i]; r.port = port[i]; r.proto = proto[i];
  r.status = status[i]; r.reason = reason[i]; r.ttl = ttl[i]; r.known = known[i];
  return r;
}

void StatusColumns::append(const StatusColumns& o) {
  append_vec(ip, o.ip); append_vec(ts, o.ts); append_vec(port, o.port); append_vec(proto, o.proto);
  append_vec(status, o.status); append_vec(reason, o.reason); append_vec(ttl, o.ttl); append_vec(known, o.known);
}

void StatusColumns::permute(const std::vector<uint32_t>& order) {
  permute_vec(ip, order); permute_vec(ts, order); permute_vec(port, order); permute_vec(proto, order);
  permute_vec(status, order); permute_vec(reason, order); permute_vec(ttl, order); permute_vec(known, order);
}

void StringColumn::append(const StringColumn& other) {
  uint64_t base = bytes.size();
  bytes.append(other.bytes);
  for (size_t i = 1; i < other.offsets.size(); ++i) offsets.push_back(base + other.offsets[i]);
}

void BannerColumns::push_back(uint32_t ip_, uint32_t ts_, uint16_t port_, uint8_t proto_, uint8_t known_,
                              std::string_view service_, std::string_view banner_) {
  ip.push_back(ip_); ts.push_back(ts_); port.push_back(port_); proto.push_back(proto_); known.push_back(known_);
  service.push_back(service_);
  banner.push_back(banner_);
}

void BannerColumns::reserve(size_t rows, size_t service_bytes, size_t banner_bytes) {
  ip.reserve(rows); ts.reserve(rows); port.reserve(rows); proto.reserve(rows); known.reserve(rows);
  service.offsets.reserve(rows + 1);
  banner.offsets.reserve(rows + 1);
  service.bytes.reserve(service_bytes);
  banner.bytes.reserve(banner_bytes);
}

void BannerColumns::append(const BannerColumns& o) {
  append_vec(ip, o.ip); append_vec(ts, o.ts); append_vec(port, o.port); append_vec(proto, o.proto);
  append_vec(known, o.known);
  service.append(o.service);
  banner.append(o.banner);
}

void BannerColumns::clear() {
  ip.clear(); ts.clear(); port.clear(); proto.clear(); known.clear();
  service.clear(); banner.clear();
}

}  // namespace scanhpc
