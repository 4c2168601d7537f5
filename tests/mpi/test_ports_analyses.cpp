// The analyses of `scanhpc ports` (src/analyses/ports_*.cpp) through their
// shape at 1-4 ranks: each rank accumulates the events of its own sources,
// merges, and the tables written equal the kernels of ports/port_stats on
// all events in one process. And --analyses' choice from the registry.
// Collective parts first (all ranks, same order); rank 0 then reopens the
// file serially and checks it.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "scanhpc/analyses/ports_analysis.hpp"

using namespace scanhpc;
using analyses::choose_ports_analyses;

namespace {

std::vector<std::string> names(const std::vector<const analyses::PortsAnalysisInfo*>& chosen) {
  std::vector<std::string> out;
  for (const auto* a : chosen) out.push_back(a->name);
  return out;
}

// 40 days over two months, three sensors, 700 sources, skewed TCP ports
// (1433 and 1434 among them), UDP, and ICMP without a port.
ports::EventColumns all_events() {
  std::mt19937_64 rng(2013);
  ports::EventColumns e;
  for (const char* s : {"east", "north", "west"}) e.sensor_id(s);  // sorted: global ids
  const uint32_t tcp_ports[] = {1433, 22, 80, 1434, 445, 23, 3389, 8080, 25, 443, 21, 5900, 110, 143};
  const uint32_t udp_ports[] = {53, 1434, 5060, 161};
  const uint32_t first_day = 15750;  // 2013-02-14
  for (int i = 0; i < 20000; ++i) {
    const uint32_t t = (first_day + uint32_t(rng() % 40)) * ports::kSecondsPerDay + uint32_t(rng() % 86400);
    const auto sensor = uint32_t(rng() % 3);
    const uint32_t src = 0x0A000000u + uint32_t(rng() % 700);
    const auto kind = rng() % 20;
    if (kind == 0) {
      e.push_back(t, sensor, src, 1, ports::kNoPort);
    } else if (kind < 4) {
      e.push_back(t, sensor, src, 17, udp_ports[rng() % 4]);
      (void)rng();  // was the source port
    } else {
      const auto skewed = std::min(rng() % 14, rng() % 14);
      e.push_back(t, sensor, src, 6, tcp_ports[skewed]);
      (void)rng();  // was the source port
    }
  }
  return e;
}

// Every event of a source on one rank, as the command's exchange leaves them.
ports::EventColumns share_of(const ports::EventColumns& all, const dist::Comm& comm) {
  ports::EventColumns mine;
  mine.sensors = all.sensors;
  for (size_t i = 0; i < all.size(); ++i)
    if (int(all.src[i] % uint32_t(comm.size())) == comm.rank())
      mine.push_back(all.time[i], all.sensor[i], all.src[i], all.proto[i], all.dst_port[i]);
  return mine;
}

// /tmp/scanhpc_test_ports_<pid of rank 0>_<tag>.h5, the same on every rank.
std::string temp_path(const dist::Comm& comm, const std::string& tag) {
  std::string pid = std::to_string(getpid());
  comm.bcast(pid, 0);
  return "/tmp/scanhpc_test_ports_" + pid + "_" + tag + ".h5";
}

// Collective: the analysis `name` over this rank's events, written under /ports of a new file.
void run_analysis(const dist::Comm& comm, const std::string& name, const analyses::PortsAnalysisOptions& options,
                  const ports::EventColumns& mine, const std::string& path) {
  auto analysis = choose_ports_analyses(name).front()->make(options);
  // As the command: what counts events, then this rank's distinct tuples
  // (every tuple of a source already here, as after the exchange).
  analysis->accumulate_events(mine);
  analysis->accumulate(ports::local_port_tuples(mine, ports::tuple_layout(ports::local_tuple_bounds(mine))));
  analysis->merge(comm);
  auto out = h5::File::create_parallel(path, comm.get());
  out.create_group("/ports");
  analysis->write(out, comm, mine.sensors);
  out.close();
}

std::vector<std::string> proto_names(const std::vector<uint8_t>& protos) {
  std::vector<std::string> out;
  for (auto p : protos) out.push_back(ports::proto_name(p));
  return out;
}

analyses::PortsAnalysisOptions small_options() {
  analyses::PortsAnalysisOptions o;
  o.top_n = 5;  // TCP has (Other) rows
  o.pairs = {{1433, 1434}, {22, 23}};
  o.round_bytes = 4096;  // many exchange rounds
  return o;
}

}  // namespace

TEST_CASE("choose_ports_analyses takes names or all, in registry order", "[ports]") {
  std::vector<std::string> registry;
  for (const auto& a : analyses::ports_analyses()) registry.push_back(a.name);
  CHECK(registry == std::vector<std::string>{"top", "daily", "neighbours"});
  CHECK(names(choose_ports_analyses("all")) == registry);
  CHECK(names(choose_ports_analyses("neighbours,top")) == std::vector<std::string>{"top", "neighbours"});
  CHECK(names(choose_ports_analyses("daily,daily,")) == std::vector<std::string>{"daily"});
  CHECK(names(choose_ports_analyses(",top,all")) == std::vector<std::string>{"top", "daily", "neighbours"});
  CHECK_THROWS_WITH(choose_ports_analyses("top,bogus"), "unknown analysis 'bogus' (top, daily, neighbours, all)");
  CHECK_THROWS_WITH(choose_ports_analyses("Top"), "unknown analysis 'Top' (top, daily, neighbours, all)");
  CHECK_THROWS_WITH(choose_ports_analyses(""), "choose at least one of top, daily, neighbours");
  CHECK_THROWS_WITH(choose_ports_analyses(",,"), "choose at least one of top, daily, neighbours");
  CHECK_THROWS_AS(choose_ports_analyses("top daily"), std::invalid_argument);
}

TEST_CASE("ports top at any rank count equals the kernels on all events", "[ports]") {
  const dist::Comm comm;
  const auto all = all_events();
  const auto o = small_options();
  const auto path = temp_path(comm, "top");
  run_analysis(comm, "top", o, share_of(all, comm), path);
  if (!comm.is_root()) return;
  const auto counts = ports::local_port_counts(all);
  const auto want = ports::top_ports(counts, o.top_n);
  std::vector<uint8_t> protos;
  std::vector<uint64_t> rank, count;
  std::vector<double> share;
  for (const auto& r : want) {
    protos.push_back(r.proto), rank.push_back(r.rank), count.push_back(r.count), share.push_back(r.share);
  }
  REQUIRE(counts.no_port.size() == 1);
  {
    const auto f = h5::File::open_read(path);
    CHECK(h5::read_str_column(f, "/ports/top/protocol") == proto_names(protos));
    CHECK(h5::read_u64_column(f, "/ports/top/rank") == rank);
    CHECK(h5::read_u64_column(f, "/ports/top/count") == count);
    CHECK(h5::read_f64_column(f, "/ports/top/share") == share);
    CHECK(std::get<std::string>(h5::read_attr(f, "/ports", "events_without_port")) ==
          "ICMP " + std::to_string(counts.no_port.at(1)));
  }
  std::remove(path.c_str());
  CHECK(rank.size() > 6);  // TCP: 5 ports and (Other); UDP: 4 ports
}

TEST_CASE("ports daily at any rank count equals the kernels on all events", "[ports]") {
  const dist::Comm comm;
  const auto all = all_events();
  for (auto denominator : {ports::Denominator::sensors_seeing_port, ports::Denominator::active_sensors}) {
    auto o = small_options();
    o.denominator = denominator;
    const auto path = temp_path(comm, "daily");
    run_analysis(comm, "daily", o, share_of(all, comm), path);
    if (!comm.is_root()) continue;
    const auto daily = ports::local_daily_sources(all);
    const auto means = ports::daily_means(daily, denominator, ports::local_active_sensors(all));
    const auto box_ports = ports::top_port_keys(ports::top_ports(ports::port_counts_from_daily(daily), o.top_n));
    const auto boxes = ports::port_boxes(means, box_ports, true, o.box_rule);
    std::vector<uint64_t> day, sources, mean_sensors, box_days;
    std::vector<std::string> sensor;
    std::vector<double> mean, median;
    for (const auto& d : daily) {
      day.push_back(d.fields().day), sensor.push_back(all.sensors[d.fields().sensor]), sources.push_back(d.sources);
    }
    for (const auto& m : means) mean.push_back(m.mean_sources), mean_sensors.push_back(m.sensors);
    for (const auto& b : boxes) box_days.push_back(b.stats.n), median.push_back(b.stats.median);
    {
      const auto f = h5::File::open_read(path);
      CHECK(h5::read_u64_column(f, "/ports/daily/day") == day);
      CHECK(h5::read_str_column(f, "/ports/daily/sensor") == sensor);
      CHECK(h5::read_u64_column(f, "/ports/daily/sources") == sources);
      CHECK(h5::read_f64_column(f, "/ports/daily_mean/mean_sources") == mean);
      CHECK(h5::read_u64_column(f, "/ports/daily_mean/sensors") == mean_sensors);
      CHECK(h5::read_u64_column(f, "/ports/box/days") == box_days);
      CHECK(h5::read_f64_column(f, "/ports/box/median") == median);
    }
    std::remove(path.c_str());
    CHECK(boxes.size() == 3 * box_ports.size());  // the whole period and two months
  }
}

TEST_CASE("ports neighbours at any rank count equals the kernels on all events", "[ports]") {
  const dist::Comm comm;
  const auto all = all_events();
  const auto o = small_options();
  const auto path = temp_path(comm, "neighbours");
  run_analysis(comm, "neighbours", o, share_of(all, comm), path);
  if (!comm.is_root()) return;
  const auto want = ports::local_neighbour_sources(all, o.pairs, false);
  std::vector<uint64_t> a, b, sa, sb, both, same;
  for (const auto& r : want) {
    a.push_back(r.a), b.push_back(r.b), sa.push_back(r.sources_a), sb.push_back(r.sources_b);
    both.push_back(r.both), same.push_back(r.both_same_sensor);
  }
  {
    const auto f = h5::File::open_read(path);
    CHECK(h5::read_u64_column(f, "/ports/neighbours/port_a") == a);
    CHECK(h5::read_u64_column(f, "/ports/neighbours/port_b") == b);
    CHECK(h5::read_u64_column(f, "/ports/neighbours/sources_a") == sa);
    CHECK(h5::read_u64_column(f, "/ports/neighbours/sources_b") == sb);
    CHECK(h5::read_u64_column(f, "/ports/neighbours/sources_both") == both);
    CHECK(h5::read_u64_column(f, "/ports/neighbours/sources_both_same_sensor") == same);
  }
  std::remove(path.c_str());
  CHECK(want.size() >= 4);  // two pairs, TCP and any protocol each
}
