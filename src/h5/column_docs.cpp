// The column catalogue: the `units` and `description` of every column of
// every table scanhpc writes (docs/hdf5-layout.md). write_table looks each
// column up here and refuses a column it does not find, so a new column
// cannot be written undocumented; `scanhpc info --columns` prints this list
// as the Markdown in docs/hdf5-layout.md, and test_every_table checks both
// against the files every command writes.
//
// Units: CF units where CF has them (xarray decodes the times:
// "seconds since 1970-01-01 00:00:00", "days since 1970-01-01"; "s" for
// durations, which xarray leaves as numbers; "1" for fractions and ranks);
// otherwise one word: what a count counts ("hosts", "bytes"), "ipv4" (u32 in
// host order), "port" (a TCP/UDP port: a category), "id", "category", "text".
#include <string>
#include <string_view>

#include "scanhpc/h5/h5.hpp"

namespace scanhpc::h5 {
namespace {

constexpr const char* kUnixSeconds = "seconds since 1970-01-01 00:00:00";
constexpr const char* kDays = "days since 1970-01-01";

std::vector<CatalogueEntry> build() {
  std::vector<CatalogueEntry> c;
  auto add = [&c](const char* table, const char* column, const char* units, const char* description) {
    c.push_back({table, column, {units, description}});
  };
  // The skipped-files and error tables of every reader.
  auto skipped = [&](const char* table) {
    add(table, "path", "text", "path of an input-folder file that is not an input of the command (not read)");
    add(table, "reason", "text", "why it is not an input (its kind: HDF5, Avro, documentation, hidden, ...)");
  };
  auto errors = [&](const char* table) {
    add(table, "message", "text",
        "one problem, as \"path: byte N: cause\" (N in the inflated stream for gzip); the first 100 by (file, offset)");
  };

  // Every output.
  add("/run/ranks", "rank", "id", "MPI rank (one row per rank)");
  add("/run/ranks", "host", "text", "host name the rank ran on");
  add("/run/ranks", "threads", "threads", "OpenMP threads of the rank");
  add("/run/ranks", "peak_rss_bytes", "bytes", "peak resident set size of the rank's process");
  add("/run/ranks", "bytes_sent", "bytes", "data the rank sent to other ranks");
  add("/run/ranks", "bytes_received", "bytes", "data the rank received from other ranks");

  // scan
  add("/ingest/files", "path", "text", "input file, as given or found in an input folder");
  add("/ingest/files", "format", "category", "input format read (json, ndjson, list, grepable, xml, binary, zmap-json, zmap-csv, gps, ...), +gzip when compressed");
  add("/ingest/files", "bytes", "bytes", "size of the file as stored (compressed size for gzip)");
  add("/ingest/files", "records", "records", "records read from the file (used + rejected)");
  add("/ingest/files", "rejected", "records", "records of the file rejected as malformed");
  for (const char* t : {"/ingest/errors", "/ingest/damaged"}) {
    add(t, "file", "text", "input file of the rejected record");
    add(t, "offset", "bytes",
        "byte offset of the record in the file (in the inflated stream for gzip); for a damaged stream, where the "
        "damage was found");
    add(t, "cause", "text", "why the record was rejected");
  }
  skipped("/ingest/skipped");
  add("/multiprobe/probes_per_service", "probes", "probes", "open observations of a service (ip, proto, port)");
  add("/multiprobe/probes_per_service", "services", "services", "services with that many open observations");
  add("/multiprobe/reasons_per_service", "reasons", "reason codes",
      "distinct reason codes of a service's open observations (0: the format carries no reason)");
  add("/multiprobe/reasons_per_service", "services", "services", "services with that many distinct reason codes");
  add("/multiprobe/intervals", "seconds", "s",
      "difference between consecutive timestamps of the same service (a duration, not a time)");
  add("/multiprobe/intervals", "count", "intervals", "intervals of that length, over all services");
  add("/multiprobe/causes", "cause", "1",
      "label bits of a service seen more than once: 1 scanner retries, 2 target retransmissions, 4 separate "
      "scans, 0 unknown (attribute label_names; docs/multiprobe-causes.md)");
  add("/multiprobe/causes", "services", "services", "services seen more than once with that label");
  add("/multiprobe/causes", "repeats", "observations", "their observations after the first");
  add("/multiprobe/cause_intervals", "cause", "1",
      "cause of a repeat: its service's label in that scan (bits as in /multiprobe/causes)");
  add("/multiprobe/cause_intervals", "seconds", "s",
      "time since the service's previous observation (a duration, not a time)");
  add("/multiprobe/cause_intervals", "repeats", "observations", "repeats with that cause and interval");
  add("/multiprobe/service_causes", "ip", "ipv4", "IPv4 address of the host (u32, host order)");
  add("/multiprobe/service_causes", "port", "port", "port of the service");
  add("/multiprobe/service_causes", "proto", "category", "protocol: 0 unknown, 1 tcp, 2 udp, 3 sctp, 4 icmp, 5 arp, 6 err");
  add("/multiprobe/service_causes", "observations", "observations", "open observations of the service");
  add("/multiprobe/service_causes", "cause", "1", "label bits as in /multiprobe/causes");
  add("/hosts/table", "ip", "ipv4", "IPv4 address of the host (u32, host order: 198.18.0.33 is 0xC6120021)");
  add("/hosts/table", "records", "observations", "open observations of the host");
  add("/hosts/table", "ports", "ports", "distinct (proto, port) open on the host");
  add("/hosts/table", "ttl_min", "hops", "smallest reply TTL over observations with a ttl (0: unknown, see known)");
  add("/hosts/table", "ttl_max", "hops", "largest reply TTL over observations with a ttl (0: unknown, see known)");
  add("/hosts/table", "reasons", "reason codes",
      "distinct reason codes over observations with a reason (0: unknown, see known)");
  add("/hosts/table", "first_seen", kUnixSeconds,
      "earliest timestamp over observations with one, Unix seconds (0: unknown, see known)");
  add("/hosts/table", "last_seen", kUnixSeconds,
      "latest timestamp over observations with one, Unix seconds (0: unknown, see known)");
  c.push_back({"/hosts/table", "known",
               {"bitmask",
                "which fields are real: 1 timestamps (first_seen, last_seen), 2 reasons, 4 ttl (ttl_min, "
                "ttl_max); a field whose bit is clear is 0 and means unknown",
                {1, 2, 4},
                "known_ts known_reason known_ttl"}});
  // scanner (scan): the scanner's signature from timestamps
  add("/scanner/rate", "second", kUnixSeconds, "a second of the scan with an open observation, Unix seconds");
  add("/scanner/rate", "services", "services", "services first seen in that second");
  add("/scanner/rate", "observations", "observations", "open observations with that timestamp");
  add("/scanner/pauses", "start", kUnixSeconds, "first second of a pause: no service first seen, Unix seconds");
  add("/scanner/pauses", "seconds", "s", "length of the pause (a duration, not a time)");
  add("/scanner/order", "address_bucket", "1",
      "bucket of the target address: 64 equal slices of [address_min, address_max]");
  add("/scanner/order", "time_bucket", "1", "bucket of the first sighting: 64 equal slices of [first_seen, last_seen]");
  add("/scanner/order", "services", "services", "services first seen in that address and time bucket");
  // structure (scan, gps model): ports open together, their clusters, host profiles
  add("/structure/port_clusters", "rank", "1", "0-based place of the port among the top ports (most hosts first)");
  add("/structure/port_clusters", "port", "port", "port number");
  add("/structure/port_clusters", "proto", "category", "transport protocol of the port");
  add("/structure/port_clusters", "hosts", "hosts", "counted hosts with the port open");
  add("/structure/port_clusters", "cluster", "1",
      "port cluster: k-means of the spectral embedding, numbered from the most common port");
  add("/structure/port_embedding", "port", "port", "port number");
  add("/structure/port_embedding", "proto", "category", "transport protocol of the port");
  add("/structure/port_embedding", "dim", "1", "dimension of the embedding (eigenvector of the normalised Laplacian)");
  add("/structure/port_embedding", "value", "1", "the port's coordinate on that dimension (rows normalised to length 1)");
  add("/structure/spectrum", "index", "1", "0-based place of the eigenvalue, ascending");
  add("/structure/spectrum", "eigenvalue", "1",
      "eigenvalue of the normalised Laplacian of the ports that share a host with another port");
  add("/structure/port_pairs", "a_port", "port", "port a");
  add("/structure/port_pairs", "a_proto", "category", "transport protocol of port a");
  add("/structure/port_pairs", "b_port", "port", "port b");
  add("/structure/port_pairs", "b_proto", "category", "transport protocol of port b");
  add("/structure/port_pairs", "hosts_both", "hosts", "counted hosts with both a and b open");
  add("/structure/port_pairs", "p_a_given_b", "1", "P(a open | b open) = hosts_both / hosts with b, over counted hosts");
  add("/structure/profiles", "profile", "1", "profile number: most hosts with exactly its port set first");
  add("/structure/profiles", "ports", "ports", "the profile's port set (proto/port, blank-separated, by port rank)");
  add("/structure/profiles", "port_clusters", "1", "the cluster of each of those ports, in the same order");
  add("/structure/profiles", "hosts_exact", "hosts", "hosts whose top-port set is exactly the profile's");
  add("/structure/profiles", "hosts", "hosts", "hosts assigned to the profile (exact sets and nearest by Jaccard)");
  add("/structure/host_profiles", "ip", "ipv4", "IPv4 address of the host (u32, host order)");
  add("/structure/host_profiles", "profile", "1",
      "the host's profile (-1: no top port, or no port in common with any profile)");
  add("/structure/host_profiles", "similarity", "1",
      "Jaccard similarity of the host's top-port set and its profile's (1: the same set)");
  // scan --keep observations: the repacked table
  add("/observations", "ip", "ipv4", "IPv4 address of the host that answered (u32, host order)");
  add("/observations", "ts", kUnixSeconds, "time of the answer, Unix seconds (0: unknown, see known)");
  add("/observations", "port", "port", "port that answered (0 for icmp and arp)");
  add("/observations", "proto", "category", "protocol: 0 unknown, 1 tcp, 2 udp, 3 sctp, 4 icmp, 5 arp, 6 err");
  add("/observations", "status", "category", "status: 0 unknown, 1 open, 2 closed, 3 up (arp)");
  c.push_back({"/observations", "reason",
               {"bitmask", "TCP flags of the answer (masscan's reason; syn-ack is 0x12), 0 none or unknown (see known)",
                {1, 2, 4, 8, 16, 32, 64, 128},
                "fin syn rst psh ack urg ece cwr"}});
  add("/observations", "ttl", "hops", "TTL of the answer (0: unknown, see known)");
  c.push_back({"/observations", "known",
               {"bitmask",
                "which fields the record carried: 1 ts, 2 reason, 4 ttl; a field whose bit is clear is 0 and means "
                "unknown",
                {1, 2, 4},
                "known_ts known_reason known_ttl"}});
  add("/hosts/ports_per_host", "ports", "ports", "distinct (proto, port) open on a host");
  add("/hosts/ports_per_host", "hosts", "hosts", "hosts with that many open ports");

  // gps model, simulate, predict, evaluate
  add("/gps/seed_services", "ip", "ipv4", "IPv4 address of a seed service (u32, host order)");
  add("/gps/seed_services", "port", "port", "port of the seed service");
  add("/gps/features", "id", "id", "feature id: FNV-1a 64 of the kind byte followed by the text");
  add("/gps/features", "kind", "category", "feature kind: l4, app, net, asn or cross");
  add("/gps/features", "text", "text", "feature text; bytes outside printable ASCII, and \\, written as \\xNN");
  auto rule_columns = [&](const char* t, bool feature_first) {
    auto p1 = [&] { add(t, "p1", "port", "port b: the port known open"); };
    auto feature = [&] { add(t, "feature", "id", "feature of the host on p1 (an id of /gps/features)"); };
    if (feature_first) { feature(); p1(); }
    else { p1(); feature(); }
    add(t, "p2", "port", "port a: the port predicted open");
    add(t, "support", "hosts", "hosts with the feature on p1 and p2 open");
    add(t, "base", "hosts", "hosts with the feature on p1");
    add(t, "hitrate", "1", "support / base: the estimated P(p2 open | feature on p1)");
  };
  rule_columns("/gps/rules", false);
  add("/gps/predictors", "ip", "ipv4", "IPv4 address of a seed service (u32, host order)");
  add("/gps/predictors", "port", "port", "port of the seed service");
  add("/gps/predictors", "pred_port", "port", "port the service's best rule predicts (= port for single-port hosts)");
  add("/gps/predictors", "feature", "id", "feature of that rule (0 for single-port hosts)");
  add("/gps/predictors", "support", "hosts", "support of that rule");
  add("/gps/predictors", "hitrate", "1", "hitrate of that rule");
  add("/gps/plan", "priority", "1", "order of the unit in the plan scan (1 first)");
  add("/gps/plan", "port", "port", "port the unit scans");
  add("/gps/plan", "prefix", "ipv4", "network address of the unit's prefix (u32, host order)");
  add("/gps/plan", "prefix_len", "bits", "prefix length of the unit (the model's step)");
  add("/gps/plan", "services", "services", "seed services that need the unit");
  rule_columns("/gps/families/*", true);
  for (const char* t : {"/gps/predictions"}) {
    add(t, "ip", "ipv4", "IPv4 address predicted (u32, host order)");
    add(t, "port", "port", "port predicted open");
    add(t, "hitrate", "1", "hitrate of the rule that predicts it");
    add(t, "rule_port", "port", "p1 of that rule: the open port it was predicted from");
    add(t, "rule_feature", "id", "feature of that rule");
  }
  add("/gps/evaluation", "method", "category", "gps (the plan, then predictions by hitrate) or popularity");
  add("/gps/evaluation", "probes", "probes", "probes sent up to this step (the seed's own not counted)");
  add("/gps/evaluation", "services_found", "services", "truth services found up to this step (the seed's count as found)");
  add("/gps/evaluation", "fraction", "1", "services_found / truth_services");
  add("/gps/evaluation", "fraction_beyond_seed", "1", "share found of the truth services the seed did not contain");
  add("/gps/evaluation", "fraction_excluding_sinks", "1",
      "share found of the truth services on hosts with at most max_ports open ports");
  add("/gps/evaluation", "port_weighted", "1", "mean over the truth's ports of the share of each port's services found");

  // flow top, series, intersect, convert
  errors("/flow/errors");
  skipped("/flow/skipped");
  struct Metric {
    const char *name, *units, *counted;
  };
  for (const Metric& m : {Metric{"flows", "flows", "flows (rows) with the value"},
                          Metric{"packets", "packets", "sum of packet_cnt of the flows with the value"},
                          Metric{"dst_ips", "addresses", "sum of uniq_dst_ips of the flows with the value"}}) {
    const std::string t = std::string("/flow/top/*_by_") + m.name;
    c.push_back({t, "rank", {"1", "rank of the value by count (ties by value); n+1: Other, the rest summed"}});
    c.push_back({t, "value", {"text", "value of the field (IPs dotted, countries and continents two letters), or Other"}});
    c.push_back({t, "count", {m.units, m.counted}});
    c.push_back({t, "pct", {"1", "count / total count (a fraction, not a percentage)"}});
    c.push_back({t, "cumpct", {"1", "running sum of pct (ends at 1)"}});
  }
  add("/flow/series", "time", kUnixSeconds, "start of the FT4 interval, Unix seconds");
  add("/flow/series", "packets", "packets", "sum of packet_cnt of the interval's selected flows");
  add("/flow/series", "src_ips", "addresses", "distinct src_ip of the interval's selected flows");
  add("/flow/series", "dst_nets", "networks", "distinct dst_net of the interval's selected flows");
  add("/flow/series", "asns", "ASes", "distinct prefix2asn of the interval's selected flows");
  add("/flow/intersection/sample", "time", kUnixSeconds, "start of the flow's FT4 interval, Unix seconds");
  add("/flow/intersection/sample", "src_ip", "ipv4", "source address (u32, host order)");
  add("/flow/intersection/sample", "dst_net", "ipv4", "destination network address (u32, host order)");
  add("/flow/intersection/sample", "dst_port", "port", "destination port");
  add("/flow/intersection/sample", "protocol", "protocol", "IP protocol number (6 TCP, 17 UDP, 1 ICMP)");
  add("/flow/intersection/sample", "packet_cnt", "packets", "packets of the flow");
  add("/flow/intersection/sample", "uniq_dst_ips", "addresses", "distinct destination addresses of the flow");
  add("/flow/intersection/sample", "netacq_country", "category", "Netacq country of the source (two letters)");
  add("/flow/intersection/sample", "prefix2asn", "ASN", "AS number of the source's prefix");

  // ports
  errors("/ports/errors");
  skipped("/ports/skipped");
  add("/ports/top", "protocol", "category", "protocol of the events (TCP, UDP, ...)");
  add("/ports/top", "rank", "1", "rank of the port by events within the protocol (n+1: (Other), the rest summed)");
  add("/ports/top", "port", "port", "destination port (-1: (Other))");
  add("/ports/top", "count", "events", "events on the port");
  add("/ports/top", "share", "1", "count / events of the protocol with a port (a fraction)");
  add("/ports/daily", "day", kDays, "day of the events (UTC), days since 1970-01-01");
  add("/ports/daily", "sensor", "category", "sensor name");
  add("/ports/daily", "protocol", "category", "protocol (TCP, UDP, ...)");
  add("/ports/daily", "port", "port", "destination port");
  add("/ports/daily", "sources", "sources",
      "distinct source addresses seen by the sensor on the port that day (duplicate rows removed)");
  add("/ports/daily_mean", "day", kDays, "day (UTC), days since 1970-01-01");
  add("/ports/daily_mean", "protocol", "category", "protocol (TCP, UDP, ...)");
  add("/ports/daily_mean", "port", "port", "destination port");
  add("/ports/daily_mean", "mean_sources", "sources",
      "mean of sources over the sensors (those seeing the port, or every active one: the attribute denominator)");
  add("/ports/daily_mean", "sensors", "sensors", "sensors the mean is over");
  add("/ports/box", "protocol", "category", "protocol (TCP, UDP, ...)");
  add("/ports/box", "port", "port", "destination port (one of the top ports)");
  add("/ports/box", "month", "yyyymm", "month of the box as yyyymm (202103); 0 means the whole period");
  add("/ports/box", "days", "1", "days the box summarises (days with a daily mean)");
  add("/ports/box", "lower", "sources", "lower whisker of the daily means");
  add("/ports/box", "q1", "sources", "first quartile of the daily means");
  add("/ports/box", "median", "sources", "median of the daily means");
  add("/ports/box", "q3", "sources", "third quartile of the daily means");
  add("/ports/box", "upper", "sources", "upper whisker of the daily means");
  add("/ports/box", "outliers", "1", "days beyond the whiskers (rows of /ports/box_outliers)");
  add("/ports/box_outliers", "protocol", "category", "protocol (TCP, UDP, ...)");
  add("/ports/box_outliers", "port", "port", "destination port");
  add("/ports/box_outliers", "month", "yyyymm", "month of the box as yyyymm; 0 means the whole period");
  add("/ports/box_outliers", "day", kDays, "day beyond the whiskers (UTC), days since 1970-01-01");
  add("/ports/box_outliers", "mean_sources", "sources", "the day's daily mean");
  add("/ports/neighbours", "port_a", "port", "first port of the pair");
  add("/ports/neighbours", "port_b", "port", "second port of the pair");
  add("/ports/neighbours", "protocol", "category", "protocol of both ports (TCP, UDP, ...), or any");
  add("/ports/neighbours", "sources_a", "sources", "distinct sources on port_a");
  add("/ports/neighbours", "sources_b", "sources", "distinct sources on port_b");
  add("/ports/neighbours", "sources_both", "sources", "distinct sources on both ports");
  add("/ports/neighbours", "sources_both_same_sensor", "sources", "distinct sources on both ports at the same sensor");

  // gather: one row per run of a sweep. The option columns are named after
  // the options (`param:NAME`), so their entry is the one column pattern of
  // the catalogue; no other entry has a `*` in its column.
  const char* g = "/gather/runs";
  add(g, "path", "text", "the run's output file, as given to gather");
  add(g, "command", "category", "the run's command (root attribute command: scan, gps simulate, ...)");
  add(g, "git_commit", "text", "the scanhpc commit that wrote the run (root attribute git_commit)");
  add(g, "slurm_array_job_id", "text", "SLURM array job id of the run (root attribute); empty when not set");
  add(g, "slurm_array_task_id", "id", "SLURM array task id of the run (root attribute); -1 when not set");
  add(g, "ranks", "ranks", "MPI ranks of the run");
  add(g, "threads", "threads", "OpenMP threads per rank of the run: the largest over its ranks");
  add(g, "wall_seconds", "s", "wall time of the run (/run wall_seconds)");
  add(g, "peak_rss_bytes", "bytes", "peak resident set size of the run: the largest over its ranks");
  add(g, "records_read", "records", "records the run read (/ingest, /flow or /ports records_read)");
  add(g, "records_used", "records", "records the run used (records_used)");
  add(g, "records_rejected", "records", "records the run rejected as malformed (records_rejected)");
  add(g, "param:*", "text",
      "the run's value of the option named after `param:`, as the INI text of its config attribute (values of "
      "a repeated option one per line; empty when the run's config lacks it); only options whose value differs "
      "between the runs");
  // Headline figures, f64, NaN where the run's command has none.
  add(g, "open_observations", "observations", "scan: open observations (/ingest open_observations)");
  add(g, "services", "services", "scan: services with an open observation (/multiprobe services)");
  add(g, "hosts", "hosts", "scan: hosts with an open observation (/hosts hosts)");
  add(g, "seed_services", "services", "gps model: services of the seed (/gps seed_services)");
  add(g, "rules", "rules", "gps model: rules kept (rows of /gps/rules)");
  add(g, "plan_probes", "probes", "gps model, simulate, evaluate: probes of the plan scan (/gps plan_probes)");
  add(g, "plan_fraction", "1",
      "gps simulate, evaluate: fraction of the truth's services found by the plan scan (first gps row of "
      "/gps/evaluation)");
  add(g, "final_fraction", "1",
      "gps simulate, evaluate: fraction found after every prediction (last gps row of /gps/evaluation)");
  add(g, "predictions", "services", "gps predict: services predicted (rows of /gps/predictions)");
  add(g, "plan_scan_services", "services", "gps predict: input services inside the plan (/gps plan_scan_services)");
  add(g, "records_selected", "records", "flow top, series, intersect: records selected (/flow records_selected)");
  add(g, "top_share", "1",
      "flow top: share of the top values (sum of pct but Other) in the first /flow/top table by name");
  add(g, "intervals", "intervals", "flow series: FT4 intervals with selected flows (rows of /flow/series)");
  add(g, "intersection_share", "1", "flow intersect: intersection / baseline (/flow/intersection share)");
  add(g, "ft4_rows", "records", "flow convert: FT4 rows written (/flow ft4_rows)");
  add(g, "ft4_files", "files", "flow convert: FT4 files written (/flow ft4_files)");
  add(g, "events", "events", "ports: events (/ports events)");
  add(g, "ports_top_share", "1", "ports: share of the events with a port that fall on the top ports (/ports/top)");
  add("/gather/constants", "option", "text", "an option whose value is the same in every gathered run");
  add("/gather/constants", "value", "text", "its value, as the INI text of the runs' config attribute");
  add("/gather/failed", "path", "text", "a run's file that gather could not use (missing, unreadable, not a scanhpc output)");
  add("/gather/failed", "reason", "text", "why");
  return c;
}

// `pattern` with `*` matching any run of characters other than '/'.
bool matches(std::string_view pattern, std::string_view path) {
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == path;
  const std::string_view head = pattern.substr(0, star), tail = pattern.substr(star + 1);
  if (path.size() < head.size() + tail.size() || path.substr(0, head.size()) != head) return false;
  for (size_t end = head.size(); end + tail.size() <= path.size(); ++end) {
    if (matches(tail, path.substr(end))) return true;
    if (path[end] == '/') break;
  }
  return false;
}

}  // namespace

const std::vector<CatalogueEntry>& column_catalogue() {
  static const std::vector<CatalogueEntry> catalogue = build();
  return catalogue;
}

const ColumnDoc* column_doc(std::string_view table, std::string_view column) {
  for (const auto& e : column_catalogue())
    if (matches(e.column, column) && matches(e.table, table)) return &e.doc;
  return nullptr;
}

}  // namespace scanhpc::h5
