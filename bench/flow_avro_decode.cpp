// Decoding speed of flowtuple Avro files: scanhpc's own decoder against
// Debian's Avro C library (generic reader + avro_value_t), both filling the
// same columns, on FT4 and FT3 files with codec null and deflate written by
// scanhpc from synthetic rows shaped like telescope data. Prints a table of
// records/s and MB/s of uncompressed record data (best of 3 runs, the
// allocator warm: see main).
// usage: flow_avro_decode [ROWS (default 500000)] [DIR (default /tmp)] [keep]
// (keep: leave the four .avro files in DIR)
#include <malloc.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <zlib.h>

#include <fstream>
#include <sstream>

#include "scanhpc/flow/avro.hpp"

#ifndef SCANHPC_NO_AVRO_C
#include <avro.h>
#endif

using namespace scanhpc::flow;

namespace {

const Code2 kGeo[] = {*parse_code2("US"), *parse_code2("CN"), *parse_code2("RU"), kUnknownCode2};

std::vector<CommonValue> common(std::mt19937_64& rng, uint32_t range) {
  std::vector<CommonValue> v(rng() % 4);
  for (auto& c : v) c = {uint32_t(rng() % range), 1 + rng() % 50};
  return v;
}

Ft4Columns synth_ft4(size_t n) {
  std::mt19937_64 rng(42);
  Ft4Columns c;
  for (size_t i = 0; i < n; ++i) {
    Ft4Record r;
    r.time = 1700000000; r.src_ip = uint32_t(rng()); r.dst_net = 0x2c000000u | uint32_t(rng() % 256) << 16;
    r.protocol = rng() % 4 ? 6 : 17; r.dst_port = uint16_t(rng() % 65536); r.packet_cnt = 1 + rng() % 20;
    r.uniq_dst_ips = 1 + rng() % 10; r.uniq_pkt_sizes = 1 + rng() % 3; r.uniq_ttls = 1 + rng() % 3;
    r.uniq_src_ports = 1 + rng() % 10; r.uniq_tcp_flags = 1; r.first_syn_length = 40; r.first_tcp_rwin = 1024;
    r.common_pktsizes = common(rng, 1500); r.common_ttls = common(rng, 256); r.common_srcports = common(rng, 65536);
    r.common_tcpflags = common(rng, 256);
    r.maxmind_continent = r.netacq_continent = *parse_code2("NA");
    r.maxmind_country = r.netacq_country = kGeo[rng() % 4];
    r.prefix2asn = uint32_t(rng() % 400000); r.spoofed_packet_cnt = rng() % 2; r.masscan_packet_cnt = rng() % 2;
    c.push_back(r);
  }
  return c;
}

Ft3Columns synth_ft3(size_t n) {
  std::mt19937_64 rng(43);
  Ft3Columns c;
  for (size_t i = 0; i < n; ++i) {
    Ft3Record r;
    r.time = 1700000000; r.src_ip = uint32_t(rng()); r.dst_ip = 0x2c000000u | uint32_t(rng() % (1 << 24));
    r.src_port = uint16_t(rng()); r.dst_port = uint16_t(rng()); r.protocol = 6; r.ttl = uint8_t(rng());
    r.tcp_flags = 2; r.ip_len = 40; r.packet_cnt = 1 + rng() % 5; r.is_spoofed = rng() % 2;
    r.maxmind_country = r.netacq_country = kGeo[rng() % 4]; r.prefix2asn = uint32_t(rng() % 400000);
    c.push_back(r);
  }
  return c;
}

double best_of_3(const std::function<void()>& f) {
  double best = 1e30;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

template <class Columns>
void ours(const std::string& path, unsigned threads, size_t& rows) {
  const FlowAvroFile file(path);
  const size_t n = file.blocks().size();
  std::vector<Columns> parts(threads);
  std::vector<FlowReadStats> stats(threads);
  std::vector<std::thread> pool;
  if (threads == 1) file.decode_blocks(0, n, parts[0], stats[0]);  // main thread, main arena
  for (unsigned t = 0; t < threads && threads > 1; ++t)
    pool.emplace_back([&, t] { file.decode_blocks(n * t / threads, n * (t + 1) / threads, parts[t], stats[t]); });
  for (auto& th : pool) th.join();
  rows = 0;
  for (auto& p : parts) rows += p.size();
}

// The floor for deflate files: zlib inflating every block, nothing decoded.
void inflate_only(const std::string& path, const std::vector<AvroBlock>& blocks, size_t& out_bytes) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string file = ss.str();
  z_stream z{};
  inflateInit2(&z, -15);
  std::vector<unsigned char> buf(1 << 20);
  out_bytes = 0;
  for (const AvroBlock& b : blocks) {
    inflateReset(&z);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(file.data() + b.data_offset));
    z.avail_in = uInt(b.bytes);
    z.next_out = buf.data();
    z.avail_out = uInt(buf.size());
    inflate(&z, Z_FINISH);
    out_bytes += z.total_out;
  }
  inflateEnd(&z);
}

#ifndef SCANHPC_NO_AVRO_C
// The generic Avro C path: one avro_value_t per record, fields by index.
struct AvroC {
  avro_file_reader_t reader{};
  avro_schema_t schema{};
  avro_value_iface_t* iface = nullptr;
  avro_value_t value{};
  explicit AvroC(const std::string& path) {
    if (avro_file_reader(path.c_str(), &reader)) throw std::runtime_error(avro_strerror());
    schema = avro_file_reader_get_writer_schema(reader);
    iface = avro_generic_class_from_schema(schema);
    avro_generic_value_new(iface, &value);
  }
  ~AvroC() {
    avro_value_decref(&value);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    avro_file_reader_close(reader);
  }
  int64_t num(size_t i) {  // int or long field
    avro_value_t f;
    avro_value_get_by_index(&value, i, &f, nullptr);
    if (avro_value_get_type(&f) == AVRO_INT32) {
      int32_t x = 0;
      avro_value_get_int(&f, &x);
      return x;
    }
    int64_t x = 0;
    avro_value_get_long(&f, &x);
    return x;
  }
  Code2 geo(size_t i) {
    avro_value_t f;
    const char* s = nullptr;
    size_t size = 0;
    avro_value_get_by_index(&value, i, &f, nullptr);
    avro_value_get_string(&f, &s, &size);  // size counts the NUL
    return size == 3 ? *parse_code2(std::string_view(s, 2)) : 0;
  }
  void common(size_t i, CommonColumn& c) {
    avro_value_t vals, freqs, e;
    avro_value_get_by_index(&value, i, &vals, nullptr);
    avro_value_get_by_index(&value, i + 1, &freqs, nullptr);
    size_t n = 0;
    avro_value_get_size(&vals, &n);
    for (size_t j = 0; j < n; ++j) {
      int64_t x = 0;
      avro_value_get_by_index(&vals, j, &e, nullptr);
      avro_value_get_long(&e, &x);
      c.value.push_back(uint32_t(x));
      avro_value_get_by_index(&freqs, j, &e, nullptr);
      avro_value_get_long(&e, &x);
      c.freq.push_back(uint64_t(x));
    }
    c.begin.push_back(c.value.size());
  }
};

size_t avro_c_ft4(const std::string& path) {
  AvroC a(path);
  Ft4Columns c;
  while (avro_file_reader_read_value(a.reader, &a.value) == 0) {  // reference field order
    c.time.push_back(uint32_t(a.num(0))); c.src_ip.push_back(uint32_t(a.num(1))); c.dst_net.push_back(uint32_t(a.num(2)));
    c.dst_port.push_back(uint16_t(a.num(3))); c.protocol.push_back(uint8_t(a.num(4))); c.packet_cnt.push_back(a.num(5));
    c.uniq_dst_ips.push_back(uint32_t(a.num(6))); c.uniq_pkt_sizes.push_back(uint32_t(a.num(7)));
    c.uniq_ttls.push_back(uint32_t(a.num(8))); c.uniq_src_ports.push_back(uint32_t(a.num(9)));
    c.uniq_tcp_flags.push_back(uint32_t(a.num(10))); c.first_syn_length.push_back(uint16_t(a.num(11)));
    c.first_tcp_rwin.push_back(uint16_t(a.num(12)));
    a.common(13, c.common_pktsizes); a.common(15, c.common_ttls); a.common(17, c.common_srcports);
    a.common(19, c.common_tcpflags);
    c.maxmind_continent.push_back(a.geo(21)); c.maxmind_country.push_back(a.geo(22));
    c.netacq_continent.push_back(a.geo(23)); c.netacq_country.push_back(a.geo(24));
    c.prefix2asn.push_back(uint32_t(a.num(25))); c.spoofed_packet_cnt.push_back(a.num(26));
    c.masscan_packet_cnt.push_back(a.num(27));
  }
  return c.size();
}

size_t avro_c_ft3(const std::string& path) {
  AvroC a(path);
  Ft3Columns c;
  while (avro_file_reader_read_value(a.reader, &a.value) == 0) {
    c.time.push_back(uint32_t(a.num(0))); c.src_ip.push_back(uint32_t(a.num(1))); c.dst_ip.push_back(uint32_t(a.num(2)));
    c.src_port.push_back(uint16_t(a.num(3))); c.dst_port.push_back(uint16_t(a.num(4)));
    c.protocol.push_back(uint8_t(a.num(5))); c.ttl.push_back(uint8_t(a.num(6))); c.tcp_flags.push_back(uint8_t(a.num(7)));
    c.ip_len.push_back(uint16_t(a.num(8))); c.tcp_synlen.push_back(uint16_t(a.num(9)));
    c.tcp_synwinlen.push_back(uint16_t(a.num(10))); c.packet_cnt.push_back(a.num(11));
    c.is_spoofed.push_back(uint8_t(a.num(12))); c.is_masscan.push_back(uint8_t(a.num(13)));
    c.maxmind_continent.push_back(a.geo(14)); c.maxmind_country.push_back(a.geo(15));
    c.netacq_continent.push_back(a.geo(16)); c.netacq_country.push_back(a.geo(17));
    c.prefix2asn.push_back(uint32_t(a.num(18)));
  }
  return c.size();
}
#endif

void row(const char* what, const char* codec, const char* reader, size_t rows, double bytes, double s) {
  std::printf("| %-4s | %-7s | %-30s | %9zu | %8.2f | %8.1f | %8.1f |\n", what, codec, reader, rows, s * 1e3,
              rows / s / 1e6, bytes / s / 1e6);
}

template <class Columns>
void bench_file(const char* what, const std::string& path, size_t expect_rows, size_t (*avro_c)(const std::string&)) {
  FlowReadStats st;
  {
    const FlowAvroFile f(path);
    Columns c;
    f.decode_blocks(0, f.blocks().size(), c, st);
  }
  if (st.records_used != expect_rows) std::fprintf(stderr, "%s: read %llu of %zu rows\n", path.c_str(),
                                                   (unsigned long long)st.records_used, expect_rows);
  const char* codec = codec_name(FlowAvroFile(path).info().codec).data();
  const double bytes = double(st.bytes_decoded);
  size_t rows = 0;
  for (unsigned threads : {1u, 2u}) {
    const double s = best_of_3([&] { ours<Columns>(path, threads, rows); });
    row(what, codec, threads == 1 ? "scanhpc, 1 thread" : "scanhpc, 2 threads", rows, bytes, s);
  }
  if (FlowAvroFile(path).info().codec == AvroCodec::deflate) {
    const auto blocks = FlowAvroFile(path).blocks();
    size_t inflated = 0;
    const double s = best_of_3([&] { inflate_only(path, blocks, inflated); });
    if (double(inflated) != bytes) std::fprintf(stderr, "%s: inflated %zu bytes, decoder %.0f\n", path.c_str(), inflated, bytes);
    row(what, codec, "zlib inflate alone (floor)", expect_rows, bytes, s);
  }
#ifndef SCANHPC_NO_AVRO_C
  const double s = best_of_3([&] { rows = avro_c(path); });
  row(what, codec, "Avro C generic (libavro 1.11)", rows, bytes, s);
#else
  (void)avro_c;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  // Keep freed memory in the heap: otherwise each run's output columns are
  // fresh mmap pages, and on a VM with slow page faults the first touch of
  // the output, not decoding, dominates (and differs between main thread and
  // worker-thread arenas). Applies to both readers alike.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest allowed value
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 500000;
  const std::string dir = argc > 2 ? argv[2] : "/tmp";
  const bool keep = argc > 3 && std::string(argv[3]) == "keep";
  const Ft4Columns ft4 = synth_ft4(n);
  const Ft3Columns ft3 = synth_ft3(n);
  std::printf("| file | codec   | reader                         |   records |     ms   |  Mrec/s  |  MB/s    |\n");
  std::printf("|------|---------|--------------------------------|-----------|----------|----------|----------|\n");
  for (AvroCodec codec : {AvroCodec::null, AvroCodec::deflate}) {
    FlowWriteOptions o;
    o.codec = codec;
    const std::string p4 = dir + "/flow_avro_bench_ft4_" + std::string(codec_name(codec)) + ".avro";
    const std::string p3 = dir + "/flow_avro_bench_ft3_" + std::string(codec_name(codec)) + ".avro";
    write_ft4_avro(p4, ft4, o);
    write_ft3_avro(p3, ft3, o);
#ifndef SCANHPC_NO_AVRO_C
    bench_file<Ft4Columns>("FT4", p4, n, avro_c_ft4);
    bench_file<Ft3Columns>("FT3", p3, n, avro_c_ft3);
#else
    bench_file<Ft4Columns>("FT4", p4, n, nullptr);
    bench_file<Ft3Columns>("FT3", p3, n, nullptr);
#endif
    if (!keep) {
      std::remove(p4.c_str());
      std::remove(p3.c_str());
    }
  }
  std::printf("(MB/s: uncompressed record bytes per second; best of 3; %zu rows per file)\n", n);
}
