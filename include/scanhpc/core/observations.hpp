#pragma once
// Columnar storage of masscan observations. One status observation per
// (record, ports[] entry); banner records are kept apart for the service
// prediction analyses.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scanhpc {

// One status observation as a row: the unit of parsing and of the MPI
// exchange (16 bytes, trivially copyable).
struct StatusRow {
  uint32_t ip = 0;
  uint32_t ts = 0;
  uint16_t port = 0;
  uint8_t proto = 0;   // Proto
  uint8_t status = 0;  // Status
  uint8_t reason = 0;  // TCP flag bitmask
  uint8_t ttl = 0;
  uint8_t known = 0;   // KnownBits
  uint8_t pad = 0;
  friend bool operator==(const StatusRow&, const StatusRow&) = default;
};
static_assert(sizeof(StatusRow) == 16);

struct StatusColumns {
  std::vector<uint32_t> ip, ts;
  std::vector<uint16_t> port;
  std::vector<uint8_t> proto, status, reason, ttl, known;

  size_t size() const { return ip.size(); }
  bool empty() const { return ip.empty(); }
  void reserve(size_t n);
  void clear();
  void shrink_to_fit();
  void push_back(const StatusRow& r);
  StatusRow row(size_t i) const;
  void append(const StatusColumns& other);
  // Reorders every column by `order` (order[i] = old index of new row i).
  void permute(const std::vector<uint32_t>& order);
};

// Append-only column of strings: offsets plus one byte arena, never a
// vector<string> (a row-of-strings copy of the input is what we avoid).
struct StringColumn {
  std::vector<uint64_t> offsets{0};
  std::string bytes;
  size_t size() const { return offsets.size() - 1; }
  void push_back(std::string_view s) {
    bytes.append(s);
    offsets.push_back(bytes.size());
  }
  std::string_view at(size_t i) const {
    return std::string_view(bytes).substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  void append(const StringColumn& other);
  void clear() { offsets.assign(1, 0); bytes.clear(); }
};

struct BannerColumns {
  std::vector<uint32_t> ip, ts;
  std::vector<uint16_t> port;
  std::vector<uint8_t> proto, known;
  StringColumn service, banner;

  size_t size() const { return ip.size(); }
  void push_back(uint32_t ip, uint32_t ts, uint16_t port, uint8_t proto, uint8_t known,
                 std::string_view service, std::string_view banner);
  void append(const BannerColumns& other);
  void clear();
  // Room for `rows` rows and the given bytes of service and banner text.
  void reserve(size_t rows, size_t service_bytes, size_t banner_bytes);
};

}  // namespace scanhpc
