#include "scanhpc/commands/observation_table.hpp"

#include <mutex>
#include <stdexcept>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/io/observation_rows.hpp"

namespace scanhpc::commands {
namespace {

// The Debian HDF5 is not built thread-safe: one HDF5 call at a time.
std::mutex hdf5_calls;

std::string column(const char* name) { return std::string(kObservationTable) + "/" + name; }

}  // namespace

void write_observation_table(h5::File& out, const std::vector<ServiceEntry>& sorted) {
  const size_t n = sorted.size();
  std::vector<uint32_t> ip(n), ts(n);
  std::vector<uint16_t> port(n);
  std::vector<uint8_t> proto(n), status(n), reason(n), ttl(n), known(n);
  for (size_t i = 0; i < n; ++i) {
    const ServiceEntry& e = sorted[i];
    ip[i] = key_ip(e.key);
    ts[i] = e.ts;
    port[i] = key_port(e.key);
    proto[i] = key_proto(e.key);
    status[i] = e.status;
    reason[i] = e.reason;
    ttl[i] = e.ttl;
    known[i] = e.known;
  }
  std::vector<h5::Column> cols;
  cols.push_back({"ip", std::move(ip)});
  cols.push_back({"ts", std::move(ts)});
  cols.push_back({"port", std::move(port)});
  cols.push_back({"proto", std::move(proto)});
  cols.push_back({"status", std::move(status)});
  cols.push_back({"reason", std::move(reason)});
  cols.push_back({"ttl", std::move(ttl)});
  cols.push_back({"known", std::move(known)});
  h5::TableStorage storage;
  storage.chunk_rows = kObservationChunkRows;
  storage.shuffle = true;
  storage.deflate_level = 1;  // level 4 saves 3% of the size (1 GB of -oJ) for 30% more time
  out.write_table(kObservationTable, cols, storage);
}

void read_observation_rows(const InputFile& f, uint32_t file, uint64_t begin, uint64_t end, ParseSink& sink) {
  StatusColumns& s = sink.status;
  const size_t held = s.size();
  std::lock_guard<std::mutex> lock(hdf5_calls);
  h5::File h;
  try {
    h = h5::File::open_read(f.path);
  } catch (const h5::Error& e) {
    throw std::runtime_error(f.path + ": cannot read it as HDF5 (truncated or damaged?): " + e.what());
  }
  if (!h5::object_exists(h, column("ip"))) {
    if (begin == 0)
      sink.reject(file, 0, "an HDF5 file without an " + std::string(kObservationTable) +
                               " table (scanhpc scan --keep observations writes one), not masscan output");
    return;
  }
  try {
    const uint64_t rows = h5::column_rows(h, column("ip"));
    for (const char* c : {"ts", "port", "proto", "status", "reason", "ttl", "known"})
      if (!h5::object_exists(h, column(c)) || h5::column_rows(h, column(c)) != rows)
        throw std::runtime_error(std::string("column ") + c + " is missing or not as long as column ip");
    const RowRange r = observation_rows_of_range(f.bytes, rows, h5::column_chunk_rows(h, column("ip")), begin, end);
    if (r.end <= r.begin) return;
    // Straight into the sink's columns, after what they hold.
    h5::read_column_rows(h, column("ip"), r.begin, r.end, s.ip);
    h5::read_column_rows(h, column("ts"), r.begin, r.end, s.ts);
    h5::read_column_rows(h, column("port"), r.begin, r.end, s.port);
    h5::read_column_rows(h, column("proto"), r.begin, r.end, s.proto);
    h5::read_column_rows(h, column("status"), r.begin, r.end, s.status);
    h5::read_column_rows(h, column("reason"), r.begin, r.end, s.reason);
    h5::read_column_rows(h, column("ttl"), r.begin, r.end, s.ttl);
    h5::read_column_rows(h, column("known"), r.begin, r.end, s.known);
    for (size_t i = held; i < s.size(); ++i)
      if (s.proto[i] > uint8_t(Proto::err) || s.status[i] > uint8_t(Status::up) || s.known[i] > 7)
        throw std::runtime_error("row " + std::to_string(r.begin + (i - held)) + " holds proto " +
                                 std::to_string(s.proto[i]) + ", status " + std::to_string(s.status[i]) +
                                 ", known " + std::to_string(s.known[i]) + ": codes no scan writes");
  } catch (const std::exception& e) {
    throw std::runtime_error(f.path + ": " + kObservationTable + ": " + e.what());
  }
  const uint64_t n = s.size() - held;
  sink.counts.records_read += n;
  sink.counts.records_used += n;
  sink.counts.status_observations += n;
  sink.maybe_hand_on();
}

}  // namespace scanhpc::commands
