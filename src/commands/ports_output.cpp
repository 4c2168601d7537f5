// `scanhpc ports` output: the /ports tables and the printed summary.
#include <algorithm>
#include <cstdio>

#include "scanhpc/commands/ports_input.hpp"
#include "scanhpc/commands/skipped_files.hpp"

namespace scanhpc::commands {

void write_ports_output(h5::File& out, const dist::Comm& comm, const PortsInputSummary& in,
                        const PortsInputConfig& cfg, const std::vector<std::string>& sensors, uint64_t events,
                        const std::map<uint8_t, uint64_t>& no_port_counts, const std::vector<ports::TopPortRow>& top,
                        const std::vector<ports::DailyCount>& daily, const std::vector<ports::DailyMean>& means,
                        const std::vector<ports::PortBox>& boxes, const std::vector<ports::NeighbourRow>& pairs,
                        const std::string& denominator, const std::string& box_rule) {
  const bool root = comm.is_root();
  out.create_group("/ports");
  std::string files, sensor_list;
  for (const auto& f : in.files) files += (files.empty() ? "" : "\n") + f;
  for (const auto& s : sensors) sensor_list += (sensor_list.empty() ? "" : "\n") + s;
  out.write_attr("/ports", "source", in.source);
  out.write_attr("/ports", "files", files);
  out.write_attr("/ports", "records_read", in.records_read);
  out.write_attr("/ports", "records_used", in.records_used);
  out.write_attr("/ports", "records_rejected", in.records_rejected);
  out.write_attr("/ports", "rows_repaired", in.rows_repaired);
  out.write_attr("/ports", "events", events);
  out.write_attr("/ports", "sensors", sensor_list);
  out.write_attr("/ports", "columns", cfg.columns);
  out.write_attr("/ports", "denominator", denominator);
  out.write_attr("/ports", "box_rule", box_rule);
  // Events without a port (ICMP, empty port fields), per protocol: every rank knows them.
  std::string no_port;
  for (const auto& [p, c] : no_port_counts)
    no_port += (no_port.empty() ? "" : ", ") + ports::proto_name(p) + " " + std::to_string(c);
  out.write_attr("/ports", "events_without_port", no_port);
  out.write_table("/ports/errors", {{"message", root ? in.errors : std::vector<std::string>{}}});
  write_skipped(out, root, "/ports", in.skipped);

  {  // top
    std::vector<std::string> proto;
    std::vector<uint32_t> rank;
    std::vector<int32_t> port;  // -1: (Other)
    std::vector<uint64_t> count;
    std::vector<double> share;
    for (const auto& r : root ? top : std::vector<ports::TopPortRow>{}) {  // every rank has it; rank 0 writes
      proto.push_back(ports::proto_name(r.proto)); rank.push_back(r.rank); port.push_back(r.port);
      count.push_back(r.count); share.push_back(r.share);
    }
    out.write_table("/ports/top", {{"protocol", std::move(proto)}, {"rank", std::move(rank)},
                                   {"port", std::move(port)}, {"count", std::move(count)},
                                   {"share", std::move(share)}});
  }
  {  // daily
    std::vector<uint32_t> day;
    std::vector<std::string> sensor, proto;
    std::vector<uint16_t> port;
    std::vector<uint64_t> sources;
    for (const auto& d : daily) {
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
    for (const auto& m : means) {
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
    for (const auto& b : boxes) {
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
    for (const auto& b : boxes)
      for (const auto& [d, v] : b.outliers) {
        proto.push_back(ports::proto_name(b.proto)); port.push_back(b.port); month.push_back(b.month);
        day.push_back(d); value.push_back(v);
      }
    out.write_table("/ports/box_outliers", {{"protocol", std::move(proto)}, {"port", std::move(port)},
                                            {"month", std::move(month)}, {"day", std::move(day)},
                                            {"mean_sources", std::move(value)}});
  }
  {  // neighbour ports
    std::vector<uint16_t> a, b;
    std::vector<std::string> proto;
    std::vector<uint64_t> sa, sb, both, same;
    for (const auto& r : pairs) {
      a.push_back(r.a); b.push_back(r.b); proto.push_back(r.proto < 0 ? "any" : ports::proto_name(uint8_t(r.proto)));
      sa.push_back(r.sources_a); sb.push_back(r.sources_b); both.push_back(r.both); same.push_back(r.both_same_sensor);
    }
    out.write_table("/ports/neighbours", {{"port_a", std::move(a)}, {"port_b", std::move(b)},
                                          {"protocol", std::move(proto)}, {"sources_a", std::move(sa)},
                                          {"sources_b", std::move(sb)}, {"sources_both", std::move(both)},
                                          {"sources_both_same_sensor", std::move(same)}});
  }
}

void print_ports_tables(const std::vector<ports::TopPortRow>& top, const std::vector<PortAverage>& busiest,
                        const std::vector<ports::NeighbourRow>& pairs) {
  std::printf("top ports per protocol (events)\n%-9s %5s %8s %14s %8s\n", "protocol", "rank", "port", "count", "share");
  for (const auto& r : top)
    std::printf("%-9s %5u %8s %14llu %7.2f%%\n", ports::proto_name(r.proto).c_str(), r.rank,
                r.port < 0 ? "(Other)" : std::to_string(r.port).c_str(), (unsigned long long)r.count, 100 * r.share);
  std::printf("\naverage unique sources per day per sensor (top 10)\n%-9s %8s %10s\n", "protocol", "port", "mean");
  for (const auto& a : busiest) std::printf("%-9s %8u %10.2f\n", ports::proto_name(a.proto).c_str(), a.port, a.mean);
  std::printf("\nneighbour ports (sources)\n%6s %6s %-6s %10s %10s %10s\n", "a", "b", "proto", "a", "b", "both");
  for (const auto& r : pairs)
    std::printf("%6u %6u %-6s %10llu %10llu %10llu\n", r.a, r.b,
                r.proto < 0 ? "any" : ports::proto_name(uint8_t(r.proto)).c_str(), (unsigned long long)r.sources_a,
                (unsigned long long)r.sources_b, (unsigned long long)r.both);
}

}  // namespace scanhpc::commands
