#include "scanhpc/kernels/banner_codec.hpp"

#include <cstring>
#include <stdexcept>

namespace scanhpc {
namespace {

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

size_t banner_record_size(const char* p) {
  return kBannerHeaderBytes + get<uint32_t>(p + 12) + get<uint32_t>(p + 16);
}

PackedBanners pack_banners_by_owner(BannerColumns& b, const PrefixOwnership& ownership) {
  return pack_banners_to(b, size_t(ownership.ranks()), [&](size_t i) { return size_t(ownership.owner(b.ip[i])); });
}

PackedBanners pack_banners_to(BannerColumns& b, size_t ranks, const std::function<size_t(size_t)>& destination) {
  PackedBanners out;
  out.per_rank.resize(ranks);
  // Sized first, then filled: appending to growing buffers copied each one again at every
  // doubling, into fresh pages each time.
  std::vector<uint32_t> to(b.size());
  std::vector<size_t> bytes(ranks, 0);
  for (size_t i = 0; i < b.size(); ++i) {
    const size_t d = destination(i);
    if (d >= ranks) throw std::out_of_range("pack_banners_to: destination rank out of range");
    to[i] = uint32_t(d);
    bytes[d] += kBannerHeaderBytes + b.service.at(i).size() + b.banner.at(i).size();
  }
  for (size_t r = 0; r < ranks; ++r) out.per_rank[r].reserve(bytes[r]);
  for (size_t i = 0; i < b.size(); ++i) {
    auto service = b.service.at(i), banner = b.banner.at(i);
    if (service.size() > UINT32_MAX || banner.size() > UINT32_MAX) throw std::length_error("banner too long");
    std::string& buf = out.per_rank[to[i]];
    put(buf, b.ip[i]);
    put(buf, b.ts[i]);
    put(buf, b.port[i]);
    put(buf, b.proto[i]);
    put(buf, b.known[i]);
    put(buf, uint32_t(service.size()));
    put(buf, uint32_t(banner.size()));
    buf.append(service);
    buf.append(banner);
  }
  b = BannerColumns{};
  return out;
}

void unpack_banners(const char* p, size_t n, BannerColumns& out) {
  // Counted first, so that the columns are allocated once (a record that does not fit is
  // left to the loop below, which says what is wrong).
  size_t records = 0, service_bytes = 0, banner_bytes = 0;
  for (size_t at = 0; at < n && n - at >= kBannerHeaderBytes;) {
    const size_t size = banner_record_size(p + at);
    const uint32_t service_len = get<uint32_t>(p + at + 12);
    if (size > n - at || size < kBannerHeaderBytes + service_len) break;
    ++records;
    service_bytes += service_len;
    banner_bytes += size - kBannerHeaderBytes - service_len;
    at += size;
  }
  out.reserve(out.size() + records, out.service.bytes.size() + service_bytes, out.banner.bytes.size() + banner_bytes);
  size_t at = 0;
  while (at < n) {
    if (n - at < kBannerHeaderBytes) throw std::runtime_error("unpack_banners: truncated record header");
    const char* r = p + at;
    size_t size = banner_record_size(r);
    if (size > n - at) throw std::runtime_error("unpack_banners: truncated record");
    uint32_t service_len = get<uint32_t>(r + 12);
    out.push_back(get<uint32_t>(r), get<uint32_t>(r + 4), get<uint16_t>(r + 8), get<uint8_t>(r + 10),
                  get<uint8_t>(r + 11), std::string_view(r + kBannerHeaderBytes, service_len),
                  std::string_view(r + kBannerHeaderBytes + service_len, size - kBannerHeaderBytes - service_len));
    at += size;
  }
}

size_t whole_records_prefix(const std::string& buf, size_t offset, size_t limit,
                            const std::function<size_t(const char*)>& record_size) {
  size_t at = offset;
  while (at < buf.size()) {
    size_t size = record_size(buf.data() + at);
    if (at + size - offset > limit && at > offset) break;  // the first record always goes
    at += size;
  }
  return at - offset;
}

}  // namespace scanhpc
