// masscan's binary output (-oB), as written by src/out-binary.c and read back
// by src/in-binary.c (`masscan --readscan`).
//
// File layout
//   header   99 bytes ('a'+2), NUL padded: "masscan/1.1.01" in old files,
//            "masscan/1.1.02\ns:<scan start>\n" later and "masscan/1.1\ns:<scan
//            start>\n" now (1.3.x). Only the "masscan/1.1" prefix is checked.
//   records  [type][length][payload], type and length in a big-endian base-128
//            varint (high bit = more bytes follow), payload big-endian.
//   trailer  the same 99 bytes "masscan/1.1\0..." again, which parses as a
//            record of type 'm' (109) and length 'a' (97): a pseudo-record
//            that is skipped (so are the headers of concatenated files).
//
// Record types (in-binary.c)
//   1, 2   status open/closed, old:  ts4 ip4 port2 reason1 ttl1 (>= 12 bytes);
//          no ip_proto: masscan infers udp for 53/123/137/161, sctp for
//          36422/36412/2905, tcp otherwise.
//   6, 7   status open/closed:       ts4 ip4 proto1 port2 reason1 ttl1 (13)
//   8      ARP ("up"), same layout as 6/7 (written by out-binary.c; masscan's
//          own reader stops at it, we decode it as status "up").
//   3      banner, oldest:           ts4 ip4 port2 app2 text (tcp, ttl 0)
//   4      banner: as 5 but the writer put one byte more than the length says;
//          the reader takes that byte as part of the payload (kept here).
//   5      banner:                   ts4 ip4 proto1 port2 app2 text (ttl 0)
//   9      banner:                   ts4 ip4 proto1 port2 app2 ttl1 text
//   10, 11, 12  IPv6 status open/closed/arp, 13 IPv6 banner: rejected (the
//          toolkit is IPv4 only); their length is known, so reading goes on.
// Anything else is corruption (masscan stops there too): one rejection, stop.
// So are a length over 1 MiB (in-binary.c's buffer) and a record cut by the
// end of the stream. Status rows carry ts, reason (the TCP flags byte) and
// ttl, all known; banner rows carry ts.
//
// Banner text is stored as the raw payload bytes, as masscan received them
// (what -oJ prints as \u00xx escapes and -oL/-oG/-oX as \xNN escapes; the
// other readers decode those escapes back to these bytes).
#include "scanhpc/io/masscan_binary.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/core/codes.hpp"

namespace scanhpc {
namespace {

constexpr size_t kHeaderBytes = 'a' + 2;           // 99
constexpr size_t kMaxRecord = 1024 * 1024;         // in-binary.c BUF_MAX

// Buffered view of the stream with absolute offsets. Grows to hold the
// largest record (kMaxRecord); otherwise reads in large blocks.
class Input {
 public:
  explicit Input(ByteStream& in) : in_(in), buf_(256 * 1024) {}

  // Makes at least n bytes readable from the cursor, unless the stream ends
  // first; returns how many are readable.
  size_t ensure(size_t n) {
    if (end_ - pos_ >= n || eof_) return end_ - pos_;
    if (pos_ > 0) {
      std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
      base_ += pos_;
      end_ -= pos_;
      pos_ = 0;
    }
    if (buf_.size() < n) buf_.resize(std::max(n, buf_.size() * 2));
    while (end_ < n && !eof_) {
      size_t got = 0;
      try {
        got = in_.read(buf_.data() + end_, buf_.size() - end_);
      } catch (const StreamError& e) {
        if (!e.corrupt()) throw;  // an I/O error fails the run
        damage_ = e.what();       // damaged compressed data: the records before it are kept
      }
      if (got == 0) eof_ = true;
      end_ += got;
    }
    return end_ - pos_;
  }
  const unsigned char* data() const { return reinterpret_cast<const unsigned char*>(buf_.data()) + pos_; }
  void skip(size_t n) { pos_ += n; }
  uint64_t offset() const { return base_ + pos_; }
  // Why the stream ended early (damaged compressed data); empty at a clean end.
  const std::string& damage() const { return damage_; }

 private:
  std::string damage_;
  ByteStream& in_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t base_ = 0;
  bool eof_ = false;
};

uint32_t be32(const unsigned char* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}
uint16_t be16(const unsigned char* p) { return uint16_t(p[0] << 8 | p[1]); }

// name_from_ip_proto() in src/output.c.
uint8_t proto_code(unsigned ip_proto) {
  switch (ip_proto) {
    case 0: return uint8_t(Proto::arp);
    case 1: return uint8_t(Proto::icmp);
    case 6: return uint8_t(Proto::tcp);
    case 17: return uint8_t(Proto::udp);
    case 132: return uint8_t(Proto::sctp);
    default: return uint8_t(Proto::err);
  }
}

// masscan_app_to_string() of src/masscan-app.c for the ApplicationProtocol
// values of masscan 1.3.2 (checked against the real 1.3.2 scan.bin and its
// -oL conversion: 3 ssh, 4 http, 11 smtp, 12 pop, 13 imap, 16 title,
// 30 http.server). The values are stored in -oB files, yet later masscan
// (after 1.3.2) inserted X509_CACERT at 16 and VNC_OLD at 23, shifting
// everything after them; the -oB header does not tell the versions apart, so
// a file written by such a masscan names those services differently (as its
// own --readscan would not). Unknown values print as "(N)", as masscan does.
std::string_view app_name(unsigned app, std::array<char, 16>& tmp) {
  static constexpr std::string_view kNames[] = {
      "unknown",    "unknown",     "ssh",         "ssh",       "http",      "ftp",        // 0-5
      "dns-ver",    "snmp",        "nbtstat",     "ssl",       "smb",       "smtp",       // 6-11
      "pop",        "imap",        "zeroaccess",  "X509",      "title",     "html",       // 12-17
      "ntp",        "vuln",        "heartbleed",  "ticketbleed", "vnc",     "safe",       // 18-23
      "memcached",  "scripting",   "versioning",  "coap",      "telnet",    "rdp",        // 24-29
      "http.server"};                                                                       // 30
  if (app < std::size(kNames)) return kNames[app];
  int n = std::snprintf(tmp.data(), tmp.size(), "(%u)", app);  // masscan's default
  return std::string_view(tmp.data(), size_t(std::max(n, 0)));
}

// masscan's guess of the protocol for type 1/2 records (parse_status()).
uint8_t old_status_proto(uint16_t port) {
  switch (port) {
    case 53: case 123: case 137: case 161: return uint8_t(Proto::udp);
    case 36422: case 36412: case 2905: return uint8_t(Proto::sctp);
    default: return uint8_t(Proto::tcp);
  }
}

struct Decoder {
  uint32_t file;
  ParseSink& sink;
  std::array<char, 16> name_tmp{};

  void reject(uint64_t offset, const std::string& cause) { sink.reject(file, offset, "binary: " + cause); }
  void reject_damaged(uint64_t offset, const std::string& cause) { sink.reject_damaged(file, offset, cause); }

  bool long_enough(uint64_t off, const char* what, size_t have, size_t need) {
    if (have >= need) return true;
    reject(off, std::string(what) + " record too short (" + std::to_string(have) + " bytes, needs " +
                    std::to_string(need) + ")");
    return false;
  }

  void status(const StatusRow& r) {
    sink.status.push_back(r);
    sink.used_status(1);
  }

  void banner(uint32_t ts, uint32_t ip, uint8_t proto, uint16_t port, unsigned app, const unsigned char* px,
              size_t n) {
    if (sink.keep_banners)
      sink.banners.push_back(ip, ts, port, proto, kKnownTs, app_name(app, name_tmp),
                             std::string_view(reinterpret_cast<const char*>(px), n));
    sink.used_banner();
  }

  // Returns false when the record type is unknown (reading must stop).
  bool record(unsigned type, const unsigned char* p, size_t n, uint64_t off) {
    StatusRow r;
    r.known = kKnownTs | kKnownReason | kKnownTtl;
    switch (type) {
      case 1:
      case 2:
        if (!long_enough(off, "status (type 1/2)", n, 12)) return true;
        r.ts = be32(p);
        r.ip = be32(p + 4);
        r.port = be16(p + 8);
        r.reason = p[10];
        r.ttl = p[11];
        r.proto = old_status_proto(r.port);
        r.status = uint8_t(type == 1 ? Status::open : Status::closed);
        status(r);
        return true;
      case 6:
      case 7:
      case 8:
        if (!long_enough(off, "status (type 6/7/8)", n, 13)) return true;
        r.ts = be32(p);
        r.ip = be32(p + 4);
        r.proto = proto_code(p[8]);
        r.port = be16(p + 9);
        r.reason = p[11];
        r.ttl = p[12];
        r.status = uint8_t(type == 6 ? Status::open : type == 7 ? Status::closed : Status::up);
        status(r);
        return true;
      case 3:
        if (!long_enough(off, "banner (type 3)", n, 12)) return true;
        banner(be32(p), be32(p + 4), uint8_t(Proto::tcp), be16(p + 8), be16(p + 10), p + 12, n - 12);
        return true;
      case 4:
      case 5:
        if (!long_enough(off, "banner (type 4/5)", n, 13)) return true;
        banner(be32(p), be32(p + 4), proto_code(p[8]), be16(p + 9), be16(p + 11), p + 13, n - 13);
        return true;
      case 9:
        if (!long_enough(off, "banner (type 9)", n, 14)) return true;
        banner(be32(p), be32(p + 4), proto_code(p[8]), be16(p + 9), be16(p + 11), p + 14, n - 14);
        return true;
      case 10:
      case 11:
      case 12:
      case 13:
        // ts4 proto1 port2 {reason1|app2} ttl1 version1 ip16: IPv6 only.
        reject(off, std::string(type == 13 ? "IPv6 banner" : "IPv6 status") +
                        " record (type " + std::to_string(type) + "): IPv6 is not supported");
        return true;
      case 'm':
        return true;  // header/trailer pseudo-record: not a record
      default:
        return false;
    }
  }
};

// One rejected record stands for everything from the damage on.
std::string lost_to(const std::string& damage) {
  return "damaged compressed stream, the rest of the file is lost (" + damage + ")";
}

}  // namespace

void read_masscan_binary(ByteStream& in, uint32_t file, ParseSink& sink) {
  Input input(in);
  Decoder dec{file, sink, {}};

  const size_t head = input.ensure(kHeaderBytes);
  if (head == 0) return;  // empty stream: masscan wrote nothing
  if (head < 11 || std::memcmp(input.data(), "masscan/1.1", 11) != 0) {
    dec.reject(0, "not a masscan -oB file (no \"masscan/1.1\" header)");
    return;
  }
  if (head < kHeaderBytes) {
    dec.reject(0, "truncated file header (" + std::to_string(head) + " of " + std::to_string(kHeaderBytes) +
                      " bytes)");
    return;
  }
  input.skip(kHeaderBytes);

  for (;;) {
    const uint64_t off = input.offset();
    const size_t avail = input.ensure(16);
    if (avail == 0) {  // the end at a record boundary: clean, or cut by damage
      if (!input.damage().empty()) dec.reject_damaged(off, lost_to(input.damage()));
      return;
    }
    const unsigned char* p = input.data();

    // [TYPE] and [LENGTH]: big-endian base-128 varints.
    size_t i = 0;
    auto varint = [&](uint64_t& value, size_t max_bytes) -> int {  // 1 ok, 0 truncated, -1 too long
      value = 0;
      for (size_t k = 0;; ++k) {
        if (i >= avail) return 0;
        if (k == max_bytes) return -1;
        const unsigned char b = p[i++];
        value = (value << 7) | (b & 0x7F);
        if (!(b & 0x80)) return 1;
      }
    };
    uint64_t type = 0, length = 0;
    int ok = varint(type, 4);
    if (ok == 1) ok = varint(length, 4);
    if (ok == 0) {
      if (!input.damage().empty()) dec.reject_damaged(off, lost_to(input.damage()));
      else dec.reject(off, "truncated record header at end of file (" + std::to_string(avail) + " bytes left)");
      return;
    }
    if (ok < 0) {
      dec.reject(off, "corrupt record header (type or length varint longer than 4 bytes); stopped reading");
      return;
    }
    if (length > kMaxRecord) {
      dec.reject(off, "corrupt record: length " + std::to_string(length) + " exceeds " +
                          std::to_string(kMaxRecord) + " bytes; stopped reading");
      return;
    }
    if (type != 'm' && (type == 0 || type > 13)) {
      dec.reject(off, "unknown record type " + std::to_string(type) +
                          " (corrupt file or a newer masscan); stopped reading");
      return;
    }
    // Type 4 carries one byte beyond its stated length (see the header note).
    const size_t need = i + size_t(length) + (type == 4 ? 1 : 0);
    const size_t have = input.ensure(need);
    if (have < need && !input.damage().empty()) {
      dec.reject_damaged(off, lost_to(input.damage()));
      return;
    }
    if (have < need) {
      dec.reject(off, "truncated record of type " + std::to_string(type) + ": needs " + std::to_string(need) +
                          " bytes, " + std::to_string(have) + " left");
      return;
    }
    p = input.data();
    if (!dec.record(unsigned(type), p + i, need - i, off)) {
      dec.reject(off, "unknown record type " + std::to_string(type) + "; stopped reading");
      return;
    }
    input.skip(need);
    sink.maybe_hand_on();
  }
}

}  // namespace scanhpc
