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
  for (size_t i = 0; i < b.size(); ++i) {
    auto service = b.service.at(i), banner = b.banner.at(i);
    if (service.size() > UINT32_MAX || banner.size() > UINT32_MAX) throw std::length_error("banner too long");
    std::string& buf = out.per_rank.at(destination(i));
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
