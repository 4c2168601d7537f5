#pragma once
// ZGrab2's output as banner input (zmap/zgrab2: processing.go's Grab,
// module.go's ScanResponse): one JSON object a line,
//   {"ip", "port"?, "domain"?, "data": {<scan name>: {"status", "protocol",
//    "port"?, "result"?, "timestamp", "error"?}}, "error"?}
// The scan name is the module's name or any name of a multi-module ini, so a
// module's result is read by its shape, whatever its name or protocol:
//   result.response              (http)  status line and headers, as the raw
//                                        response had them ("headers_raw",
//                                        base64, when zgrab2 ran with
//                                        --raw-headers; else rebuilt: the
//                                        protocol and status_line, each header
//                                        value on its own line under its name in
//                                        Go's canonical form, Content-Type)
//   result.server_id             (ssh)   raw (or SSH-version-software comment)
//   result.banner                (ftp, smtp, pop3, imap, telnet, banner, ...;
//                                        not ssh's, its user-authentication banner)
//   the certificate's subject_dn and issuer_dn of result.handshake_log (tls),
//   result.response.request.tls_log.handshake_log (https), result.tls.handshake_log
// A record's modules that ended in status "success" without an error give
// banner rows (one per feature source above); other modules give none.
// The port: the record's "port", else the module's "port", else --port,
// else the module's default port by protocol (http 80, https 443, ssh 22,
// tls 443, ...).
//
// Accounting: a record with at least one banner row is a banner record; a
// record whose modules gave none (failed, or a module whose result carries no
// banner) and a record of a grab that failed as a whole (a top-level "error"
// without "data") are used with no observation (RecordCounts::
// records_without_observation); zgrab2's metadata summary line
// ({"statuses": ...}, when -m writes to the same file) is not a record. A
// line that is not such an object is rejected with its cause.
//
// Unlike masscan's banner records, ZGrab2's add features to services that
// other inputs found open and never make a service themselves (GPS joins its
// banners to the seed's services): gps::build_seed counts the (ip, port) they
// name without a service and drops them.
#include <memory>
#include <string_view>

#include "scanhpc/io/masscan_format.hpp"
#include "scanhpc/io/scan_formats.hpp"

namespace scanhpc {

// Service names of the banner rows (masscan's names never contain ':').
inline constexpr std::string_view kZgrab2HttpService = "zgrab2:http";        // response head: "http line: " per line
inline constexpr std::string_view kZgrab2SshService = "zgrab2:ssh";          // server id: "ssh banner: ", "http line: "
inline constexpr std::string_view kZgrab2BannerService = "zgrab2:banner";    // a module's banner: "http line: " per line
inline constexpr std::string_view kZgrab2TlsSubjectService = "zgrab2:tls-subject";  // "tls cert: subject=<dn>"
inline constexpr std::string_view kZgrab2TlsIssuerService = "zgrab2:tls-issuer";    // "tls cert: issuer=<dn>"

// Whether a banner row only adds features to a service found by another
// input (ZGrab2's) rather than making one (masscan's, GPS seed's).
inline bool banner_joins_only(std::string_view service) { return service.starts_with("zgrab2:"); }

// A first line {"ip": ..., "data": {name: {"status", "protocol", ...}}}, or a grab that
// failed whole ({"domain", "error"}, no "data"); Go writes no spaces.
bool is_zgrab2(std::string_view head);

// The well-known port of a ZGrab2 module's protocol (its DefaultPort), or -1.
int zgrab2_default_port(std::string_view protocol);

std::unique_ptr<LineRecordParser> make_zgrab2_parser(const LineContext& context);

}  // namespace scanhpc
