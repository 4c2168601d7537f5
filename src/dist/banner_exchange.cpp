#include "scanhpc/dist/banner_exchange.hpp"

#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/kernels/banner_codec.hpp"

namespace scanhpc::dist {

BannerColumns exchange_banners_by_owner(const Comm& comm, BannerColumns& local, const PrefixOwnership& ownership,
                                        uint64_t round_bytes, uint64_t* rounds) {
  PackedBanners packed = pack_banners_by_owner(local, ownership);
  std::string bytes = exchange_records(comm, packed.per_rank, banner_record_size, round_bytes, rounds);
  packed = PackedBanners{};
  BannerColumns owned;
  unpack_banners(bytes.data(), bytes.size(), owned);
  return owned;
}

}  // namespace scanhpc::dist
