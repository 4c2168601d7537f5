#pragma once
// Text of table values for CSV (`scanhpc export`, `scanhpc info --head`):
// RFC 4180 quoting, integers exactly, doubles as the shortest text that
// reads back as the same double, and the optional readable forms of IPv4
// and time columns. One formatter, so export and info print the same text.
#include <cstdint>
#include <string>
#include <string_view>

namespace scanhpc::csv {

// What a column's integers mean, for the readable forms.
enum class ValueKind {
  plain,         // integers as decimal numbers
  ipv4,          // u32 host order -> dotted quad (with --dotted-ip)
  unix_seconds,  // seconds since 1970-01-01 UTC -> 2021-03-04T05:06:07Z (with --iso-times)
  days,          // days since 1970-01-01 -> 2021-03-04 (with --iso-times)
};

// The kind of a column: from its `units` attribute when it has one ("ipv4";
// the CF units "seconds since 1970-01-01 00:00:00" and "days since
// 1970-01-01", other spellings of the same epoch and "unix seconds"; anything
// else is plain), else from the names scanhpc's writers use
// (docs/hdf5-layout.md, "export"). Only integer columns get a kind other than
// plain; IPv4 needs at most 32 bits.
ValueKind column_kind(std::string_view name, std::string_view units, bool is_integer, unsigned bits);

// Appends `field` to `out`, in double quotes (inner quotes doubled) when it
// holds a comma, a quote, CR or LF (RFC 4180); otherwise as it is.
void append_field(std::string& out, std::string_view field);

void append_unsigned(std::string& out, uint64_t v);
void append_signed(std::string& out, int64_t v);
// Shortest round-trip text; nan, inf and -inf as such.
void append_double(std::string& out, double v);

// The readable forms. An IPv4 value above 2^32-1 is written as a number; the
// times are for years 0001-9999 (append_integer writes others as numbers).
void append_ipv4(std::string& out, uint64_t v);
void append_iso_seconds(std::string& out, int64_t seconds);  // 2021-03-04T05:06:07Z
void append_iso_day(std::string& out, int64_t days);          // 2021-03-04

// An integer of a column of `kind`, in its readable form when `readable`
// asks for it (the options --dotted-ip, --iso-times).
struct Readable {
  bool ips = false;
  bool times = false;
};
void append_integer(std::string& out, uint64_t v, bool is_signed, ValueKind kind, Readable readable);

}  // namespace scanhpc::csv
