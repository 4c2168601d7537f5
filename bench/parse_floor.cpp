// The simdjson parse floor for masscan -oJ: one thread reads the file in
// 8 MiB blocks and runs an On-Demand loop per record line that only extracts
// the fields scanhpc uses, with no columns, routing or analysis. scanhpc's
// parse stage per core can at best approach this.
// usage: parse_floor FILE.json
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: parse_floor FILE.json\n");
    return 2;
  }
  FILE* f = std::fopen(argv[1], "rb");
  if (!f) { std::perror(argv[1]); return 1; }
  simdjson::ondemand::parser parser;
  const size_t block = size_t(8) << 20;
  std::vector<char> buf(block + (1 << 20) + simdjson::SIMDJSON_PADDING);
  size_t carry = 0, bytes = 0;
  uint64_t records = 0, checksum = 0;
  auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    size_t got = std::fread(buf.data() + carry, 1, block, f);
    size_t len = carry + got;
    bytes += got;
    size_t pos = 0;
    while (pos < len) {
      char* line = buf.data() + pos;
      auto* nl = static_cast<char*>(std::memchr(line, '\n', len - pos));
      if (!nl && got) break;
      size_t n = nl ? size_t(nl - line) : len - pos;
      std::string_view s(line, n);
      if (!s.empty() && s.front() == ',') s.remove_prefix(1);
      if (!s.empty() && s.front() == '{') {
        simdjson::ondemand::document doc;
        if (!parser.iterate(s.data(), s.size(), s.size() + simdjson::SIMDJSON_PADDING).get(doc)) {
          std::string_view ip, ts, reason;
          uint64_t port = 0, ttl = 0;
          auto obj = doc.get_object();
          if (!obj["ip"].get_string().get(ip) && !obj["timestamp"].get_string().get(ts)) {
            for (auto p : obj["ports"].get_array()) {
              auto po = p.get_object();
              // The floor only extracts; a missing field just leaves its default.
              if (po["port"].get_uint64().get(port)) port = 0;
              if (po["reason"].get_string().get(reason)) reason = {};
              if (po["ttl"].get_uint64().get(ttl)) ttl = 0;
            }
            checksum += ip.size() + ts.size() + port + ttl + reason.size();
            ++records;
          }
        }
      }
      pos += n + 1;
    }
    if (!got) break;
    carry = len > pos ? len - pos : 0;
    std::memmove(buf.data(), buf.data() + pos, carry);
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"bytes\": %zu, \"records\": %llu, \"seconds\": %.3f, \"mb_per_s\": %.1f, \"checksum\": %llu}\n", bytes,
              (unsigned long long)records, s, double(bytes) / 1e6 / s, (unsigned long long)checksum);
  std::fclose(f);
  return 0;
}
