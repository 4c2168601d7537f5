// ports daily (seed 003's tcp.uniq and its figures): unique sources per
// (day, sensor, protocol, port), their mean over sensors per (day, protocol,
// port), box plots of the top ports' means, and the ports with the highest
// average mean. Kernel: ports/port_stats (local_daily_sources, daily_means,
// port_boxes). Sums at owners, never on one rank:
//  - (day, sensor, proto, port) counts at the owners of ranges of their key
//    (regular sampling), which write /ports/daily in rank order = key order;
//    then at owners of ranges of (day, proto, port), with the active sensors
//    of their days, which derive and write /ports/daily_mean: one day of data
//    still spreads over every rank;
//  - the daily means at the owner of their port for the per-port averages
//    (summed in day order, so bit-identical at any rank count);
//  - box plots from the means of the top ports only, on rank 0.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <tuple>

#include "scanhpc/analyses/ports_analysis.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/dist/splitters.hpp"
#include "scanhpc/kernels/key_owner.hpp"

namespace scanhpc::analyses {
namespace {

struct PortAverage {
  uint8_t proto = 0;
  uint16_t port = 0;
  double mean = 0;  // average over days of the daily mean
};

bool busier(const PortAverage& x, const PortAverage& y) {
  return x.mean != y.mean ? x.mean > y.mean : std::tie(x.proto, x.port) < std::tie(y.proto, y.port);
}

// (day, proto, port) as one sortable word.
uint64_t mean_key(const ports::DailyKey& k) { return uint64_t(k.day) << 24 | uint64_t(k.proto) << 16 | k.port; }

struct DaySensor {  // std::pair is not trivially copyable
  uint32_t day, sensor;
};

class PortsDaily final : public PortsAnalysis {
 public:
  explicit PortsDaily(const PortsAnalysisOptions& o) : o_(o) {}

  // Active sensors from the events: a sensor is active on a day with any event, with or without a port.
  void accumulate_events(const ports::EventColumns& events) override {
    if (o_.denominator == ports::Denominator::active_sensors) active_local_ = ports::local_active_sensors(events);
  }
  void accumulate(const ports::PortTuples& tuples) override { daily_local_ = ports::daily_sources(tuples); }

  void merge(const dist::Comm& comm) override {
    merge_daily(comm);
    merge_means(comm);
    // The boxes' ports, the seed's top.ports: ranked by deduplicated
    // (day, sensor, source, port) tuples.
    const auto box_ports =
        ports::top_port_keys(global_top_ports(comm, ports::port_counts_from_daily(daily_), o_.top_n, o_.round_bytes));
    merge_by_port(comm, box_ports);
  }

  void write(h5::File& out, const dist::Comm&, const std::vector<std::string>& sensors) override {
    {  // daily
      std::vector<uint32_t> day;
      std::vector<std::string> sensor, proto;
      std::vector<uint16_t> port;
      std::vector<uint64_t> sources;
      for (const auto& d : daily_) {
        const auto k = d.fields();
        day.push_back(k.day); sensor.push_back(sensors.at(k.sensor)); proto.push_back(ports::proto_name(k.proto));
        port.push_back(k.port); sources.push_back(d.sources);
      }
      out.write_table("/ports/daily", {{"day", std::move(day)}, {"sensor", std::move(sensor)},
                                       {"protocol", std::move(proto)}, {"port", std::move(port)},
                                       {"sources", std::move(sources)}});
    }
    {  // daily_mean
      std::vector<uint32_t> day, nsensors;
      std::vector<std::string> proto;
      std::vector<uint16_t> port;
      std::vector<double> mean;
      for (const auto& m : means_) {
        day.push_back(m.day); proto.push_back(ports::proto_name(m.proto)); port.push_back(m.port);
        mean.push_back(m.mean_sources); nsensors.push_back(m.sensors);
      }
      out.write_table("/ports/daily_mean", {{"day", std::move(day)}, {"protocol", std::move(proto)},
                                            {"port", std::move(port)}, {"mean_sources", std::move(mean)},
                                            {"sensors", std::move(nsensors)}});
    }
    {  // boxes of the daily means, per port (month 0: the whole period) and month
      std::vector<std::string> proto;
      std::vector<uint16_t> port;
      std::vector<uint32_t> month;
      std::vector<uint64_t> n, outliers;
      std::vector<double> lower, q1, median, q3, upper;
      for (const auto& b : boxes_) {
        proto.push_back(ports::proto_name(b.proto)); port.push_back(b.port); month.push_back(b.month);
        n.push_back(b.stats.n); outliers.push_back(b.outliers.size());
        lower.push_back(b.stats.lower); q1.push_back(b.stats.q1); median.push_back(b.stats.median);
        q3.push_back(b.stats.q3); upper.push_back(b.stats.upper);
      }
      out.write_table("/ports/box", {{"protocol", std::move(proto)}, {"port", std::move(port)},
                                     {"month", std::move(month)}, {"days", std::move(n)}, {"lower", std::move(lower)},
                                     {"q1", std::move(q1)}, {"median", std::move(median)}, {"q3", std::move(q3)},
                                     {"upper", std::move(upper)}, {"outliers", std::move(outliers)}});
    }
    {  // the days beyond the whiskers of each box, with their daily means
      std::vector<std::string> proto;
      std::vector<uint16_t> port;
      std::vector<uint32_t> month, day;
      std::vector<double> value;
      for (const auto& b : boxes_)
        for (const auto& [d, v] : b.outliers) {
          proto.push_back(ports::proto_name(b.proto)); port.push_back(b.port); month.push_back(b.month);
          day.push_back(d); value.push_back(v);
        }
      out.write_table("/ports/box_outliers", {{"protocol", std::move(proto)}, {"port", std::move(port)},
                                              {"month", std::move(month)}, {"day", std::move(day)},
                                              {"mean_sources", std::move(value)}});
    }
  }

  void print() const override {
    std::printf("average unique sources per day per sensor (top 10)\n%-9s %8s %10s\n", "protocol", "port", "mean");
    for (const auto& a : busiest_)
      std::printf("%-9s %8u %10.2f\n", ports::proto_name(a.proto).c_str(), a.port, a.mean);
  }

 private:
  // Daily counts in ranges of their key (day, sensor, proto, port), for the
  // /ports/daily rows. Ranges, not whole days: one day of data still spreads
  // over every rank.
  void merge_daily(const dist::Comm& comm) {
    std::vector<uint64_t> keys(daily_local_.size());
    for (size_t i = 0; i < daily_local_.size(); ++i) keys[i] = daily_local_[i].key;
    const auto splitters = dist::regular_splitters(comm, keys);
    keys = {};
    daily_ = ports::merge_daily_sources(dist::send_to_owners(
        comm, std::move(daily_local_),
        [&](const ports::DailyCount& d) { return dist::splitter_owner(splitters, d.key); }, o_.round_bytes));
  }

  // The daily rows at owners of ranges of (day, proto, port), with the
  // active sensors of their days, for the daily means.
  void merge_means(const dist::Comm& comm) {
    const int ranks = comm.size();
    std::vector<uint64_t> mkeys(daily_.size());
    for (size_t i = 0; i < daily_.size(); ++i) mkeys[i] = mean_key(daily_[i].fields());
    std::sort(mkeys.begin(), mkeys.end());
    const auto mean_splitters = dist::regular_splitters(comm, mkeys);
    mkeys = {};
    auto by_mean_owner = dist::send_to_owners(
        comm, daily_,
        [&](const ports::DailyCount& d) { return dist::splitter_owner(mean_splitters, mean_key(d.fields())); },
        o_.round_bytes);
    std::sort(by_mean_owner.begin(), by_mean_owner.end(), [](const auto& x, const auto& y) { return x.key < y.key; });
    // Active (day, sensor) pairs: distinct at the owner of the day, then to
    // every rank whose range of (day, proto, port) holds part of that day.
    std::vector<std::pair<uint32_t, uint32_t>> active;
    if (o_.denominator == ports::Denominator::active_sensors) {
      std::vector<DaySensor> rows;
      for (const auto& [day, sensor] : active_local_) rows.push_back({day, sensor});
      active_local_ = {};
      std::vector<std::pair<uint32_t, uint32_t>> pairs;
      for (const auto& a : dist::send_to_owners(
               comm, rows, [ranks](const DaySensor& a) { return int(hash2(a.day, 0xda7) % uint64_t(ranks)); },
               o_.round_bytes))
        pairs.emplace_back(a.day, a.sensor);
      pairs = ports::merge_active_sensors(std::move(pairs));
      std::vector<DaySensor> copies;
      std::vector<uint64_t> counts(size_t(ranks), 0), offsets(size_t(ranks), 0);
      std::vector<std::vector<DaySensor>> to(static_cast<size_t>(ranks));
      for (const auto& [day, sensor] : pairs) {
        const int lo = dist::splitter_owner(mean_splitters, uint64_t(day) << 24);
        const int hi = dist::splitter_owner(mean_splitters, uint64_t(day) << 24 | 0xFFFFFF);
        for (int r = lo; r <= hi; ++r) to[size_t(r)].push_back({day, sensor});
      }
      for (int r = 0; r < ranks; ++r) {
        offsets[size_t(r)] = copies.size();
        counts[size_t(r)] = to[size_t(r)].size();
        copies.insert(copies.end(), to[size_t(r)].begin(), to[size_t(r)].end());
      }
      to = {};
      for (const auto& a : dist::alltoallv_rounds(comm, copies, counts, offsets, o_.round_bytes))
        active.emplace_back(a.day, a.sensor);
      active = ports::merge_active_sensors(std::move(active));
    }
    means_ = ports::daily_means(by_mean_owner, o_.denominator, active);
  }

  // The means at the owners of their ports: per-port averages in day order
  // (lower ranks hold earlier days, so arrival order is day order); the ten
  // busiest ports and the boxes of `box_ports` on rank 0.
  void merge_by_port(const dist::Comm& comm, const std::vector<ports::PortKey>& box_ports) {
    const int ranks = comm.size();
    auto by_port = dist::send_to_owners(
        comm, means_,
        [ranks](const ports::DailyMean& m) { return key_owner(port_word(m.proto, m.port), ranks); },
        o_.round_bytes);
    std::stable_sort(by_port.begin(), by_port.end(), [](const auto& x, const auto& y) {
      return std::tie(x.proto, x.port, x.day) < std::tie(y.proto, y.port, y.day);
    });
    std::vector<uint64_t> avg_words, box_words;
    {
      std::vector<PortAverage> avgs;
      for (size_t i = 0; i < by_port.size();) {
        size_t j = i;
        double sum = 0;
        for (; j < by_port.size() && by_port[j].proto == by_port[i].proto && by_port[j].port == by_port[i].port; ++j)
          sum += by_port[j].mean_sources;
        avgs.push_back({by_port[i].proto, by_port[i].port, sum / double(j - i)});
        i = j;
      }
      std::sort(avgs.begin(), avgs.end(), busier);
      for (size_t i = 0; i < avgs.size() && i < 10; ++i) {
        uint64_t bits;
        std::memcpy(&bits, &avgs[i].mean, sizeof bits);
        avg_words.insert(avg_words.end(), {port_word(avgs[i].proto, avgs[i].port), bits});
      }
      for (const auto& m : by_port)
        if (std::find(box_ports.begin(), box_ports.end(), ports::PortKey{m.proto, m.port}) != box_ports.end()) {
          uint64_t bits;
          std::memcpy(&bits, &m.mean_sources, sizeof bits);
          box_words.insert(box_words.end(), {m.day, port_word(m.proto, m.port), bits, m.sensors, m.sources});
        }
    }
    by_port = {};
    const auto all_avgs = comm.gatherv(avg_words, 0);   // at most 10 per rank
    const auto all_boxes = comm.gatherv(box_words, 0);  // the top ports' days
    if (!comm.is_root()) return;
    for (size_t i = 0; i + 2 <= all_avgs.size(); i += 2) {
      PortAverage a{uint8_t(all_avgs[i] >> 16), uint16_t(all_avgs[i]), 0};
      std::memcpy(&a.mean, &all_avgs[i + 1], sizeof a.mean);
      busiest_.push_back(a);
    }
    std::sort(busiest_.begin(), busiest_.end(), busier);
    if (busiest_.size() > 10) busiest_.resize(10);
    std::vector<ports::DailyMean> box_means;
    for (size_t i = 0; i + 5 <= all_boxes.size(); i += 5) {
      ports::DailyMean m;
      m.day = uint32_t(all_boxes[i]);
      m.proto = uint8_t(all_boxes[i + 1] >> 16);
      m.port = uint16_t(all_boxes[i + 1]);
      std::memcpy(&m.mean_sources, &all_boxes[i + 2], sizeof m.mean_sources);
      m.sensors = uint32_t(all_boxes[i + 3]);
      m.sources = all_boxes[i + 4];
      box_means.push_back(m);
    }
    boxes_ = ports::port_boxes(box_means, box_ports, true, o_.box_rule);
  }

  PortsAnalysisOptions o_;
  std::vector<ports::DailyCount> daily_local_;
  std::vector<std::pair<uint32_t, uint32_t>> active_local_;  // --denominator active only
  std::vector<ports::DailyCount> daily_;  // this rank's range of keys
  std::vector<ports::DailyMean> means_;   // this rank's range of (day, proto, port)
  std::vector<PortAverage> busiest_;      // rank 0: the 10 highest averages
  std::vector<ports::PortBox> boxes_;     // rank 0
};

}  // namespace

std::unique_ptr<PortsAnalysis> make_ports_daily(const PortsAnalysisOptions& options) {
  return std::make_unique<PortsDaily>(options);
}

}  // namespace scanhpc::analyses
