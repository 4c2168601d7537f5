#pragma once
// One-line parsers for masscan's line-oriented text formats: -oL (list),
// -oG (grepable) and -oX (XML, one <host> element per line).
//
// Each call looks at exactly one line (without its '\n'; a trailing '\r' is
// stripped) and does one of three things:
//   * a non-record line (header, trailer, comment, XML prolog, empty line) is
//     ignored and nothing is counted;
//   * a status record pushes one StatusRow into sink.status and counts
//     sink.used_status(1);
//   * a banner record is stored in sink.banners when sink.keep_banners is set
//     and counts sink.used_banner() either way;
//   * anything malformed is counted with sink.reject(file, offset, cause),
//     where cause starts with "list: ", "grepable: " or "xml: ".
// They never throw on bad input.
//
// What each format carries (KnownBits, never invented):
//   -oL  status: ts            banner: ts, proto
//   -oG  status: ts (absent in 1.0.5-era lines without "Timestamp:")
//        banner: nothing but ip, port, service, text (proto is Proto::unknown)
//   -oX  status: ts, reason, ttl   banner: ts, proto
//
// Banner text is stored as the bytes masscan received, like the -oJ/-oD and
// -oB readers do: masscan prints banners through normalize_string
// (src/output.c), which writes every non-printable byte and each of
// < > & \ " ' as a literal "\xNN"; these escapes are decoded (a backslash is
// always escaped by masscan, so this is unambiguous). -oX entities (&lt; &gt;
// &amp; &quot; &apos; &#NN; &#xNN;) are undone as well; an unknown entity
// rejects the record. Note that masscan cuts the printed form of a banner at
// about 8 KiB in these three formats (-oJ keeps 64 KiB, -oB 16 KiB raw).
#include <cstdint>
#include <string_view>

#include "scanhpc/io/parse_sink.hpp"

namespace scanhpc {

void parse_list_line(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink);
void parse_grepable_line(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink);
void parse_xml_line(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink);

}  // namespace scanhpc
