#pragma once
// Banner records as self-delimiting bytes, grouped by owner rank, so that
// variable-length records can cross ranks in whole-record rounds. MPI-free.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scanhpc/core/observations.hpp"
#include "scanhpc/kernels/prefix_partition.hpp"

namespace scanhpc {

// One encoded record: u32 ip, u32 ts, u16 port, u8 proto, u8 known,
// u32 service length, u32 banner length, then the two byte strings.
constexpr size_t kBannerHeaderBytes = 20;

struct PackedBanners {
  std::vector<std::string> per_rank;  // encoded records for each destination
};

// Encodes every record into the buffer of the rank owning its ip; clears `banners`.
PackedBanners pack_banners_by_owner(BannerColumns& banners, const PrefixOwnership& ownership);
// Encodes record i into the buffer of rank destination(i) (< ranks); clears `banners`.
PackedBanners pack_banners_to(BannerColumns& banners, size_t ranks,
                              const std::function<size_t(size_t)>& destination);

// Appends the records of `bytes` (whole records only) to `out`. Throws
// std::runtime_error on a truncated or inconsistent buffer.
void unpack_banners(const char* bytes, size_t n, BannerColumns& out);

// Size of the encoded record starting at p.
size_t banner_record_size(const char* p);

// Size of the whole records that fit in `limit` bytes starting at `offset`
// of an encoded buffer (at least one record if any is left, so a record
// larger than the limit still moves, alone).
// `record_size(p)` gives the size of the record at p (any self-delimiting encoding).
size_t whole_records_prefix(const std::string& buffer, size_t offset, size_t limit,
                            const std::function<size_t(const char*)>& record_size = banner_record_size);

}  // namespace scanhpc
