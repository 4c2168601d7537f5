// The layout that lets several ranks write one FT4 file (flow/ft4_layout),
// and the whole flow convert distribution simulated in one process at many
// rank counts: source ranges -> convert -> pieces to block owners -> blocks
// encoded where they land -> files assembled. The oracle is the one-call
// encoding of the sequential conversion.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <random>

#include "flow_test_support.hpp"
#include "scanhpc/flow/avro.hpp"
#include "scanhpc/flow/convert.hpp"
#include "scanhpc/flow/ft4_layout.hpp"
#include "scanhpc/flow/pack.hpp"

using namespace scanhpc::flow;
using namespace flowtest;

TEST_CASE("ft4 layout: blocks split into contiguous runs, pieces tile the files", "[ft4-layout]") {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<uint64_t> rows(1 + rng() % 6);
    for (auto& r : rows) r = rng() % 4 == 0 ? 1 + rng() % 5 : 1 + rng() % 3000;
    const uint64_t K = 1 + rng() % 300;
    const int P = 1 + int(rng() % 17);
    const Ft4Layout layout(rows, K, P);
    REQUIRE(layout.first_block(0) == 0);
    REQUIRE(layout.first_block(P) == layout.blocks());
    uint64_t most = 0, least = UINT64_MAX;
    for (int r = 0; r < P; ++r) {
      const uint64_t n = layout.first_block(r + 1) - layout.first_block(r);
      most = std::max(most, n), least = std::min(least, n);
      for (uint64_t g = layout.first_block(r); g < layout.first_block(r + 1); ++g) REQUIRE(layout.block_owner(g) == r);
    }
    CHECK(most - least <= 1);  // nearly equal runs
    for (size_t k = 0; k < rows.size(); ++k) {
      REQUIRE(layout.blocks(k) == (rows[k] + K - 1) / K);
      uint64_t next = 0;  // rows_of over the ranks tiles the file in rank order
      for (int r = 0; r < P; ++r) {
        const auto [a, b] = layout.rows_of(r, k);
        if (a == b) continue;
        REQUIRE(a == next);
        REQUIRE(a % K == 0);
        next = b;
      }
      REQUIRE(next == rows[k]);
      // Any run of rows cut into pieces: contiguous, each within its owner's rows.
      const uint64_t first = rng() % rows[k], count = 1 + rng() % (rows[k] - first);
      uint64_t at = first;
      for (const auto& p : layout.pieces(k, first, count)) {
        REQUIRE(p.first == at);
        REQUIRE(p.count > 0);
        const auto [a, b] = layout.rows_of(p.owner, k);
        REQUIRE(a <= p.first);
        REQUIRE(p.first + p.count <= b);
        at += p.count;
      }
      REQUIRE(at == first + count);
    }
  }
  CHECK_THROWS(Ft4Layout({10}, 0, 2));
  CHECK_THROWS(Ft4Layout({10}, 4, 2).pieces(0, 8, 3));
}

namespace {

// FT3 rows over two 5-minute intervals, sources in a few /16s (one hot),
// every protocol class; duplicates on the key merge in the conversion.
Ft3Columns random_ft3(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  Ft3Columns out;
  const uint8_t protocols[] = {1, 6, 6, 6, 17, 17, 47};
  for (size_t i = 0; i < n; ++i) {
    const uint32_t net = rng() % 3 == 0 ? ip(10, 1, 0, 0) : ip(uint32_t(20 + rng() % 4), uint32_t(rng() % 3), 0, 0);
    out.push_back(ft3(uint32_t(1612130100 + rng() % 600), net | uint32_t(rng() % 512),
                      ip(44, uint32_t(rng() % 4), uint32_t(rng() % 256), uint32_t(rng() % 256)),
                      uint16_t(rng() % 65536), uint16_t(rng() % 8), protocols[rng() % 7], uint8_t(rng() % 4 + 60),
                      uint8_t(rng() % 3), uint16_t(40 + rng() % 3), 1 + rng() % 3));
  }
  return out;
}

}  // namespace

TEST_CASE("ft4 layout: flow convert's distribution at 1..9 ranks equals the sequential files", "[ft4-layout]") {
  const Ft3Columns all = random_ft3(17, 30000);
  const Ft4Columns whole = convert_ft3_to_ft4(all);
  FlowWriteOptions o;
  o.block_records = 97;
  // The oracle: one file per interval, encoded in one call.
  std::map<uint32_t, Ft4Columns> by_interval;
  for (size_t i = 0; i < whole.size(); ++i) append_ft4_row(by_interval[whole.time[i]], whole, i);
  std::vector<std::string> want;
  std::vector<uint64_t> file_rows;
  std::vector<uint32_t> keys;
  for (const auto& [t, rows] : by_interval) {
    want.push_back(encode_ft4_avro(rows, o));
    file_rows.push_back(rows.size());
    keys.push_back(t);
  }
  REQUIRE(keys.size() == 2);

  for (int P = 1; P <= 9; ++P) {
    // Source ranges ascending with the rank (the partitioner's contract):
    // cut the sorted distinct sources into P runs.
    std::vector<uint32_t> sources(all.src_ip.begin(), all.src_ip.end());
    std::sort(sources.begin(), sources.end());
    std::vector<Ft3Columns> in(static_cast<size_t>(P));
    for (size_t i = 0; i < all.size(); ++i) {
      const size_t rank_of = size_t(std::lower_bound(sources.begin(), sources.end(), all.src_ip[i]) - sources.begin()) *
                             size_t(P) / sources.size();
      in[rank_of].push_back(all.row(i));
    }
    std::vector<Ft4Columns> local(static_cast<size_t>(P));
    for (int r = 0; r < P; ++r) local[size_t(r)] = convert_ft3_to_ft4(in[size_t(r)]);
    // Row positions: per (file, class), the rows of lower ranks come first.
    const Ft4Layout layout(file_rows, o.block_records, P);
    std::vector<uint64_t> before(keys.size() * 4, 0), total(keys.size() * 4, 0);
    for (const auto& l : local)
      for (size_t i = 0; i < l.size(); ++i)
        ++total[size_t(std::find(keys.begin(), keys.end(), l.time[i]) - keys.begin()) * 4 + protocol_class(l.protocol[i])];
    // Each simulated rank sends its runs, cut into pieces, to the owners.
    std::vector<std::vector<std::tuple<size_t, uint64_t, std::string>>> inbox(static_cast<size_t>(P));  // (file, first, packed)
    for (int r = 0; r < P; ++r) {
      const Ft4Columns& l = local[size_t(r)];
      for (size_t a = 0; a < l.size();) {
        size_t b = a;
        while (b < l.size() && l.time[b] == l.time[a] && protocol_class(l.protocol[b]) == protocol_class(l.protocol[a])) ++b;
        const size_t k = size_t(std::find(keys.begin(), keys.end(), l.time[a]) - keys.begin());
        const uint8_t c = protocol_class(l.protocol[a]);
        uint64_t pos = before[k * 4 + c];
        for (uint8_t c2 = 0; c2 < c; ++c2) pos += total[k * 4 + c2];
        for (const auto& p : layout.pieces(k, pos, b - a)) {
          std::string packed;
          pack_ft4(l, a + size_t(p.first - pos), a + size_t(p.first - pos + p.count), packed);
          inbox[size_t(p.owner)].emplace_back(k, p.first, std::move(packed));
        }
        before[k * 4 + c] += b - a;
        a = b;
      }
    }
    // Owners encode their blocks; the files are assembled from all pieces.
    std::vector<std::vector<EncodedBlocks>> pieces(keys.size());
    for (int r = 0; r < P; ++r) {
      auto& box = inbox[size_t(r)];
      std::sort(box.begin(), box.end(), [](const auto& x, const auto& y) {
        return std::tie(std::get<0>(x), std::get<1>(x)) < std::tie(std::get<0>(y), std::get<1>(y));
      });
      for (size_t k = 0; k < keys.size(); ++k) {
        const auto [lo, hi] = layout.rows_of(r, k);
        if (lo == hi) continue;
        Ft4Columns rows;
        for (const auto& [file, first, packed] : box)
          if (file == k) {
            REQUIRE(first == lo + rows.size());
            unpack_ft4(packed, rows);
          }
        REQUIRE(rows.size() == hi - lo);
        pieces[k].push_back(encode_ft4_blocks(rows, 0, rows.size(), lo / o.block_records, o));
      }
    }
    for (size_t k = 0; k < keys.size(); ++k) {
      uint64_t digest[2] = {0, 0};
      for (const auto& p : pieces[k]) digest[0] += p.digest[0], digest[1] += p.digest[1];
      const SyncMarker sync = ft4_sync_marker(digest, o);
      std::string file = ft4_container_header(sync, o);
      for (const auto& p : pieces[k]) append_with_sync(p, 0, p.ends.size(), sync, file);
      INFO("ranks " << P << ", file " << k);
      CHECK(file == want[k]);
    }
  }
}
