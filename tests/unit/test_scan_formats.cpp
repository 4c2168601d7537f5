// The scan format registry: names, letters and line-orientation agree with
// the functions that read them, every line format has a parser, and each
// format's own first bytes are detected as that format and no other.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "scanhpc/io/masscan_lines.hpp"
#include "scanhpc/io/scan_formats.hpp"

using namespace scanhpc;

TEST_CASE("scan formats: one entry each, names round-trip, parsers for line formats", "[scan-formats]") {
  std::set<std::string> names, letters;
  for (const auto& f : scan_formats()) {
    INFO(f.name);
    CHECK(names.insert(std::string(f.name)).second);
    if (!f.letters.empty()) {
      CHECK(letters.insert(std::string(f.letters)).second);
      std::string dashed = "-";  // built by append: GCC 12 warns (-Wrestrict) on "-" + std::string
      dashed += f.letters;
      CHECK(parse_format_name(dashed) == f.format);
    }
    CHECK(format_name(f.format) == f.name);
    CHECK(parse_format_name(f.name) == f.format);
    CHECK(is_line_format(f.format) == f.line_oriented);
    CHECK(bool(f.make_parser) == f.line_oriented);
    CHECK(find_scan_format(f.format) == &f);
  }
  CHECK_FALSE(parse_format_name("zmap").has_value());
  CHECK(parse_format_name("zmap-csv") == MasscanFormat::zmap_csv);
  CHECK(scan_format_choices().find("json (-oJ)") != std::string::npos);
}

TEST_CASE("scan formats: first bytes of each format detected as that format", "[scan-formats]") {
  const std::pair<const char*, MasscanFormat> cases[] = {
      {"", MasscanFormat::empty},
      {"  \n", MasscanFormat::empty},
      {"masscan/1.1\x00\x00", MasscanFormat::binary},
      {"[\n{   \"ip\": \"10.0.0.1\",   \"timestamp\": \"1\", \"ports\": [ {\"port\": 80}]}", MasscanFormat::json},
      {"{   \"ip\": \"10.0.0.1\", \"ports\": [ {\"port\": 80}]},\n", MasscanFormat::json},  // <= 1.0.4
      {"{\"ip\":\"10.0.0.1\",\"timestamp\":\"1\",\"port\":80,\"proto\":\"tcp\",\"rec_type\":\"status\"}\n",
       MasscanFormat::ndjson},
      {"{\"ip\":\"10.0.0.1\",\"p\":80,\"asn\":1,\"data\":\"x\"}\n", MasscanFormat::gps_seed},
      {"{\"saddr\":\"10.0.0.1\",\"sport\":80,\"window\":5}\n", MasscanFormat::gps_seed},  // LZR
      {"#masscan\nopen tcp 80 10.0.0.1 1\n", MasscanFormat::list},
      {"open tcp 80 10.0.0.1 1\n", MasscanFormat::list},  // a cut file
      {"# Masscan 1.3.2 scan initiated\n", MasscanFormat::grepable},
      {"Timestamp: 1\tHost: 10.0.0.1 ()\tPorts: 80/open/tcp////\n", MasscanFormat::grepable},
      {"<?xml version=\"1.0\"?>\n<nmaprun scanner=\"masscan\">", MasscanFormat::xml},
      // ZMap: 2.1.1's hyphenated and later underscore names, default output, JSON of both layouts
      {"saddr,saddr-raw,sport,ttl,classification,success,repeat,timestamp-ts\n", MasscanFormat::zmap_csv},
      {"saddr,success,ttl\n10.0.0.1,1,64\n", MasscanFormat::zmap_csv},
      {"saddr,timestamp_ts,timestamp_us\n", MasscanFormat::zmap_csv},
      {"10.0.0.1\n10.0.0.2\n", MasscanFormat::zmap_csv},
      {"10.0.0.1,443\n", MasscanFormat::zmap_csv},
      {"{ \"saddr\": \"10.0.0.1\", \"sport\": 80, \"classification\": \"synack\", \"success\": 1 }\n",
       MasscanFormat::zmap_json},
      {"{\"saddr\":\"10.0.0.1\",\"sport\":443,\"classification\":\"synack\",\"success\":true}\n",
       MasscanFormat::zmap_json},
      // ZGrab2: a grab's modules under "data", each with status and protocol
      {"{\"ip\":\"10.0.0.1\",\"data\":{\"http\":{\"status\":\"success\",\"protocol\":\"http\",\"result\":{}}}}\n",
       MasscanFormat::zgrab2},
  };
  for (const auto& [head, want] : cases) {
    INFO(head);
    CHECK(detect_format(std::string_view(head, std::char_traits<char>::length(head) +
                                                    (std::string_view(head).starts_with("masscan/") ? 2 : 0))) ==
          want);
  }
  CHECK_FALSE(detect_format("saddr,nosuchfield\n10.0.0.1,1\n").has_value());  // not ZMap's fields
  CHECK_FALSE(detect_format("ip,port\n10.0.0.1,80\n").has_value());
  CHECK_FALSE(detect_format("10.0.0.1,99999\n").has_value());
}
