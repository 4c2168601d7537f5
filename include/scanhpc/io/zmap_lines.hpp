#pragma once
// ZMap's output as scan input: the csv module (a header row of the fields
// given with -f, or ZMap's default output, bare saddr lines without one) and
// the json module (one object a line). Field names are matched with '-' and
// '_' alike: ZMap 2.1.1 writes timestamp-ts, ZMap 3 and 4 timestamp_ts.
//
// A row is one observation of (saddr, port): the port from sport (the
// response's source port) or, where the file has none, from the scan's port
// (--port, ZMap's -p); success = 1 (or classification synack) is open,
// success = 0 (rst, icmp) closed; ZMap's default output lists successes only.
// repeat = 1 rows are kept as further observations, as masscan's duplicate
// records are. ttl and timestamp_ts are kept where present; the TCP flags of
// a response are not in ZMap's output, so reason stays unknown.
#include <memory>
#include <string>
#include <string_view>

#include "scanhpc/io/masscan_format.hpp"
#include "scanhpc/io/scan_formats.hpp"

namespace scanhpc {

bool is_zmap_csv(std::string_view head);   // a header row of ZMap fields with saddr, or bare saddr[,sport] lines
bool is_zmap_json(std::string_view head);  // {"saddr": ...} with classification or success
// The header of a ZMap CSV file from its first bytes: its first line, or for
// default output (no header) the fields implied by the first line.
std::string zmap_csv_header(std::string_view head);

std::unique_ptr<LineRecordParser> make_zmap_csv_parser(const LineContext& context);
std::unique_ptr<LineRecordParser> make_zmap_json_parser(const LineContext& context);

}  // namespace scanhpc
