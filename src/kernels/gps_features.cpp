// GPS features: ids, dictionary, ASN table, feature texts and the seed builder.
#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/flat_index.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/gps_seed_json.hpp"
#include "scanhpc/io/zgrab2_json.hpp"
#include "scanhpc/kernels/gps.hpp"

namespace scanhpc::gps {

namespace {
constexpr std::string_view kKindNames[] = {"l4", "app", "net", "asn", "cross"};

std::string hex8(uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s(8, '0');
  for (int i = 7; i >= 0; --i, v >>= 4) s[size_t(i)] = digits[v & 15];
  return s;
}
}  // namespace

std::string_view feature_kind_name(FeatureKind kind) {
  auto k = size_t(kind);
  if (k >= std::size(kKindNames)) throw std::invalid_argument("bad FeatureKind");
  return kKindNames[k];
}

std::optional<FeatureKind> parse_feature_kind(std::string_view name) {
  for (size_t k = 0; k < std::size(kKindNames); ++k)
    if (kKindNames[k] == name) return FeatureKind(k);
  return std::nullopt;
}

uint64_t feature_id(FeatureKind kind, std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  constexpr uint64_t prime = 0x100000001b3ull;
  h = (h ^ uint8_t(kind)) * prime;
  for (unsigned char c : text) h = (h ^ c) * prime;
  return h;
}

// ------------------------------------------------------------ dictionary --

namespace {
[[noreturn]] void collision(std::string_view a, std::string_view b) {
  throw std::runtime_error("gps: feature id collision between \"" + std::string(a) + "\" and \"" + std::string(b) +
                           "\"");
}
size_t slot_hash(uint64_t id, size_t mask) { return size_t((id * 0x9E3779B97F4A7C15ull) >> 32) & mask; }
}  // namespace

const FeatureDictionary::Slot* FeatureDictionary::slot_of(uint64_t id) const {
  if (slots_.empty()) return nullptr;
  const size_t mask = slots_.size() - 1;
  for (size_t i = slot_hash(id, mask);; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (!s.used) return nullptr;
    if (s.id == id) return &s;
  }
}

FeatureDictionary::Slot& FeatureDictionary::slot_for(uint64_t id) {
  if ((size_ + 1) * 8 > slots_.size() * 5) grow();
  const size_t mask = slots_.size() - 1;
  for (size_t i = slot_hash(id, mask);; i = (i + 1) & mask)
    if (!slots_[i].used || slots_[i].id == id) return slots_[i];
}

void FeatureDictionary::grow() {
  std::vector<Slot> old(std::max<size_t>(1024, slots_.size() * 2));
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (!s.used) continue;
    size_t i = slot_hash(s.id, mask);
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

void FeatureDictionary::add_new(Slot& s, uint64_t id, FeatureKind kind, std::string_view text) {
  s = Slot{id, arena_.size(), checked_cast<uint32_t>(text.size()), kind, true};
  arena_.append(text);
  ++size_;
}

uint64_t FeatureDictionary::add(FeatureKind kind, std::string_view text) {
  const uint64_t id = feature_id(kind, text);
  Slot& s = slot_for(id);
  if (!s.used) add_new(s, id, kind, text);
  else if (s.kind != kind || text_of(s) != text) collision(text_of(s), text);
  return id;
}

std::optional<FeatureEntry> FeatureDictionary::find(uint64_t id) const {
  const Slot* s = slot_of(id);
  if (!s) return std::nullopt;
  return FeatureEntry{id, s->kind, std::string(text_of(*s))};
}

std::string_view FeatureDictionary::text(uint64_t id) const {
  const Slot* s = slot_of(id);
  if (!s) throw std::out_of_range("gps: unknown feature id " + std::to_string(id));
  return text_of(*s);
}

void FeatureDictionary::insert(const FeatureEntry& e) {
  Slot& s = slot_for(e.id);
  if (!s.used) add_new(s, e.id, e.kind, e.text);
  else if (s.kind != e.kind || text_of(s) != e.text) collision(text_of(s), e.text);
}

void FeatureDictionary::merge(const FeatureDictionary& other) {
  for (const Slot& o : other.slots_)
    if (o.used) insert(FeatureEntry{o.id, o.kind, std::string(other.text_of(o))});
}

std::vector<FeatureEntry> FeatureDictionary::sorted_entries() const {
  std::vector<const Slot*> used;
  used.reserve(size_);
  for (const Slot& s : slots_)
    if (s.used) used.push_back(&s);
  std::sort(used.begin(), used.end(), [](const Slot* a, const Slot* b) { return a->id < b->id; });
  std::vector<FeatureEntry> out;
  out.reserve(used.size());
  for (const Slot* s : used) out.push_back({s->id, s->kind, std::string(text_of(*s))});
  return out;
}

// ------------------------------------------------------------- ASN table --

AsnTable::AsnTable(std::vector<AsnPrefix> prefixes) {
  for (const auto& p : prefixes) {
    if (p.len > 32) throw std::invalid_argument("gps: prefix length > 32");
    by_len_[p.len].emplace_back(prefix_of(p.prefix, p.len), p.asn);
  }
  for (auto& v : by_len_) {
    // Stable, so that among equal prefixes the last one given comes last; keep it.
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<uint32_t, uint32_t>> dedup;
    dedup.reserve(v.size());
    for (const auto& e : v) {
      if (!dedup.empty() && dedup.back().first == e.first) dedup.back() = e;
      else dedup.push_back(e);
    }
    v = std::move(dedup);
  }
}

size_t AsnTable::size() const {
  size_t n = 0;
  for (const auto& v : by_len_) n += v.size();
  return n;
}

std::optional<uint32_t> AsnTable::lookup(uint32_t ip) const {
  for (int len = 32; len >= 0; --len) {
    const auto& v = by_len_[len];
    if (v.empty()) continue;
    uint32_t key = prefix_of(ip, len);
    auto it = std::lower_bound(v.begin(), v.end(), key, [](const auto& e, uint32_t k) { return e.first < k; });
    if (it != v.end() && it->first == key) return it->second;
  }
  return std::nullopt;
}

AsnTable AsnTable::from_pfx2as(std::string_view text) {
  std::vector<AsnPrefix> prefixes;
  size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    auto fail = [&](const char* why) {
      throw std::runtime_error("gps: pfx2as line " + std::to_string(line_no) + ": " + why);
    };
    size_t t1 = line.find('\t');
    size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos) fail("expected prefix<TAB>length<TAB>asn");
    auto ip = parse_ipv4(line.substr(0, t1));
    if (!ip) fail("bad IPv4 prefix");
    std::string_view len_text = line.substr(t1 + 1, t2 - t1 - 1);
    unsigned len = 0;
    auto r1 = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
    if (r1.ec != std::errc() || r1.ptr != len_text.data() + len_text.size() || len > 32)
      fail("bad prefix length");
    std::string_view asn_text = line.substr(t2 + 1);
    uint32_t asn = 0;
    auto r2 = std::from_chars(asn_text.data(), asn_text.data() + asn_text.size(), asn);
    if (r2.ec != std::errc()) fail("bad ASN");
    if (r2.ptr != asn_text.data() + asn_text.size() && *r2.ptr != '_' && *r2.ptr != ',') fail("bad ASN");
    prefixes.push_back({*ip, uint8_t(len), asn});
  }
  return AsnTable(std::move(prefixes));
}

// -------------------------------------------------------- feature texts --

namespace {

// FNV-1a 64 fed piece by piece: feature_id(kind, a + b + ...) without the
// concatenation.
struct Fnv {
  uint64_t h = 0xcbf29ce484222325ull;
  void byte(uint8_t c) { h = (h ^ c) * 0x100000001b3ull; }
  void bytes(std::string_view s) {
    for (unsigned char c : s) byte(c);
  }
};

// Goes over a service's features in the order service_feature_texts lists
// them: sink.l4(), sink.app(prefix, rest) for each app feature, sink.net(text),
// sink.asn(text), then sink.crosses(hex16, asn_text) (asn_text empty without
// an ASN). The sinks below build texts or hash them.
class FeatureWalk {
 public:
  template <class Sink>
  void run(uint32_t ip, std::span<const BannerText> banners, const FeatureOptions& options,
           std::optional<uint32_t> asn, Sink& sink) {
    if (options.net_min_len < 0 || options.net_max_len > 32)
      throw std::invalid_argument("gps: network prefix lengths must be within 0..32");
    for (const auto& b : banners) {  // GPS's own seed fields: the record's ASN wins
      if (b.service != kGpsAsnService) continue;
      uint32_t n = 0;
      auto [p, ec] = std::from_chars(b.banner.data(), b.banner.data() + b.banner.size(), n);
      if (ec == std::errc() && p == b.banner.data() + b.banner.size()) asn = n;
    }
    hex16_ = options.crosses ? hex8(prefix_of(ip, 16)) : std::string();
    asn_text_.clear();
    if (asn) asn_text_ = "asn: " + std::to_string(*asn);
    sink.start(options.crosses, hex16_, asn_text_);
    sink.l4();
    for (const auto& b : banners) {
      // GPS's own seed fields (scanhpc/io/gps_seed_json.hpp), named as GPS names them.
      if (b.service == kGpsAsnService) continue;
      if (b.service == kGpsFingerprintService) { sink.app("fingerprint: ", b.banner); continue; }
      if (b.service == kGpsWindowService) { sink.app("window: ", b.banner); continue; }
      // ZGrab2's rows (scanhpc/io/zgrab2_json.hpp): GPS's names, no "service:" feature.
      if (b.service == kZgrab2TlsSubjectService) { sink.app("tls cert: subject=", b.banner); continue; }
      if (b.service == kZgrab2TlsIssuerService) { sink.app("tls cert: issuer=", b.banner); continue; }
      if (b.service == kZgrab2SshService) sink.app("ssh banner: ", b.banner);
      if (!b.service.empty() && !banner_joins_only(b.service)) sink.app("service: ", b.service);
      std::string_view data = b.banner;
      for (size_t pos = 0; pos <= data.size();) {
        size_t nl = data.find('\n', pos);
        if (nl == std::string_view::npos) nl = data.size();
        std::string_view line = data.substr(pos, nl - pos);
        pos = nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) sink.app("http line: ", line);
      }
    }
    for (int len = options.net_min_len; len <= options.net_max_len; ++len) {
      net_ = "s";
      net_ += std::to_string(len);
      net_ += ": ";
      net_ += hex8(prefix_of(ip, len));
      sink.net(std::string_view(net_));
    }
    if (asn) sink.asn(std::string_view(asn_text_));
    sink.finish();
  }

 private:
  std::string hex16_, asn_text_, net_;
};

// The texts, crosses last (service_feature_texts' order); emit(kind, text)
// gets views into reused buffers, valid during the call.
template <class Emit>
class TextSink {
 public:
  explicit TextSink(Emit& emit) : emit_(emit) {}
  void start(bool crosses, std::string_view hex16, std::string_view asn_text) {
    crosses_ = crosses;
    hex16_ = hex16;
    asn_text_ = asn_text;
    apps_.clear();
    app_ends_.clear();
  }
  void l4() { emit_(FeatureKind::l4, std::string_view("L4")); }
  void app(std::string_view prefix, std::string_view rest) {
    const size_t begin = apps_.size();
    apps_.append(prefix).append(rest);
    app_ends_.push_back(apps_.size());
    emit_(FeatureKind::app, std::string_view(apps_).substr(begin));
  }
  void net(std::string_view text) { emit_(FeatureKind::net, text); }
  void asn(std::string_view text) { emit_(FeatureKind::asn, text); }
  void finish() {
    if (!crosses_) return;
    for (size_t i = 0, begin = 0; i < app_ends_.size(); begin = app_ends_[i++]) {
      const std::string_view a = std::string_view(apps_).substr(begin, app_ends_[i] - begin);
      text_.assign("16:").append(a).append("-").append(hex16_);
      emit_(FeatureKind::cross, std::string_view(text_));
      if (asn_text_.empty()) continue;
      text_.assign("asn:").append(a).append("-").append(asn_text_);
      emit_(FeatureKind::cross, std::string_view(text_));
    }
  }

 private:
  Emit& emit_;
  bool crosses_ = false;
  std::string_view hex16_, asn_text_;
  std::string apps_, text_;        // the service's app texts, back to back
  std::vector<size_t> app_ends_;  // where each ends in apps_
};

// The ids only (feature_id of each text), never building a text: an app
// feature's bytes are hashed once for itself and its two crosses together
// (three independent FNV chains in one loop).
class IdSink {
 public:
  explicit IdSink(std::vector<uint64_t>& ids) : ids_(ids) {}
  void start(bool crosses, std::string_view hex16, std::string_view asn_text) {
    crosses_ = crosses;
    hex16_ = hex16;
    asn_text_ = asn_text;
  }
  void l4() { one(FeatureKind::l4, "L4"); }
  void net(std::string_view text) { one(FeatureKind::net, text); }
  void asn(std::string_view text) { one(FeatureKind::asn, text); }
  void finish() {}
  void app(std::string_view prefix, std::string_view rest) {
    Fnv a, c16, casn;
    a.byte(uint8_t(FeatureKind::app));
    c16.byte(uint8_t(FeatureKind::cross));
    c16.bytes("16:");
    casn.byte(uint8_t(FeatureKind::cross));
    casn.bytes("asn:");
    for (std::string_view piece : {prefix, rest})
      for (unsigned char ch : piece) {
        a.byte(ch);
        c16.byte(ch);
        casn.byte(ch);
      }
    ids_.push_back(a.h);
    if (!crosses_) return;
    c16.byte('-');
    c16.bytes(hex16_);
    ids_.push_back(c16.h);
    if (asn_text_.empty()) return;
    casn.byte('-');
    casn.bytes(asn_text_);
    ids_.push_back(casn.h);
  }

 private:
  void one(FeatureKind kind, std::string_view text) {
    Fnv f;
    f.byte(uint8_t(kind));
    f.bytes(text);
    ids_.push_back(f.h);
  }
  std::vector<uint64_t>& ids_;
  bool crosses_ = false;
  std::string_view hex16_, asn_text_;
};

template <class Emit>
void walk_texts(FeatureWalk& walk, uint32_t ip, std::span<const BannerText> banners, const FeatureOptions& options,
                std::optional<uint32_t> asn, Emit&& emit) {
  TextSink<Emit> sink(emit);
  walk.run(ip, banners, options, asn, sink);
}

void sort_unique(std::vector<uint64_t>& ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

// A service's feature ids, sorted and distinct: added to `dict` with their
// texts, or (dict == nullptr) hashed only.
void service_features_into(FeatureWalk& walk, uint32_t ip, std::span<const BannerText> banners,
                           const FeatureOptions& options, std::optional<uint32_t> asn, FeatureDictionary* dict,
                           std::vector<uint64_t>& ids) {
  ids.clear();
  if (dict) {
    walk_texts(walk, ip, banners, options, asn,
               [&](FeatureKind kind, std::string_view text) { ids.push_back(dict->add(kind, text)); });
  } else {
    IdSink sink(ids);
    walk.run(ip, banners, options, asn, sink);
  }
  sort_unique(ids);
}

}  // namespace

std::vector<std::pair<FeatureKind, std::string>> service_feature_texts(
    uint32_t ip, std::span<const BannerText> banners, const FeatureOptions& options,
    std::optional<uint32_t> asn) {
  std::vector<std::pair<FeatureKind, std::string>> out;
  FeatureWalk walk;
  walk_texts(walk, ip, banners, options, asn,
             [&](FeatureKind kind, std::string_view text) { out.emplace_back(kind, std::string(text)); });
  return out;
}

std::vector<uint64_t> service_feature_ids(uint32_t ip, std::span<const BannerText> banners,
                                          const FeatureOptions& options, std::optional<uint32_t> asn) {
  FeatureWalk walk;
  std::vector<uint64_t> ids;
  service_features_into(walk, ip, banners, options, asn, nullptr, ids);
  return ids;
}

std::vector<uint64_t> service_features(uint32_t ip, std::span<const BannerText> banners,
                                       const FeatureOptions& options, std::optional<uint32_t> asn,
                                       FeatureDictionary& dict) {
  FeatureWalk walk;
  std::vector<uint64_t> ids;
  service_features_into(walk, ip, banners, options, asn, &dict, ids);
  return ids;
}

// ----------------------------------------------------------------- seed --

void SeedHosts::add_host(uint32_t host_ip, std::span<const uint16_t> ports,
                         std::span<const std::vector<uint64_t>> features) {
  if (ports.size() != features.size()) throw std::invalid_argument("gps: ports and features differ in size");
  if (!ip.empty() && host_ip <= ip.back()) throw std::invalid_argument("gps: hosts must be added by increasing ip");
  ip.push_back(host_ip);
  for (size_t i = 0; i < ports.size(); ++i) {
    if (i > 0 && ports[i] <= ports[i - 1]) throw std::invalid_argument("gps: ports must be strictly increasing");
    port.push_back(ports[i]);
    feature.insert(feature.end(), features[i].begin(), features[i].end());
    feat_begin.push_back(feature.size());
  }
  host_begin.push_back(port.size());
}

namespace {

// The services of `rows` in (ip, port) order, each with its banner texts:
// on_service(ip, port, texts), on_host_end() after a host's last service.
// build_seed and recover_feature_texts walk them alike.
template <class OnService, class OnHostEnd>
void walk_services(const SeedRows& rows, const BannerColumns& banners, OnService&& on_service, OnHostEnd&& on_host_end) {
  const auto& services = rows.services;
  const auto& banner_order = rows.banners;
  std::vector<BannerText> texts;
  size_t b = 0;
  for (size_t s = 0; s < services.size();) {
    const uint32_t ip = uint32_t(services[s] >> 16);
    for (; s < services.size() && uint32_t(services[s] >> 16) == ip; ++s) {
      texts.clear();
      while (b < banner_order.size() && banner_order[b].first < services[s]) ++b;  // join-only rows without a service
      for (; b < banner_order.size() && banner_order[b].first == services[s]; ++b) {
        uint32_t r = banner_order[b].second;
        texts.push_back({banners.service.at(r), banners.banner.at(r)});
      }
      on_service(ip, uint16_t(services[s]), std::span<const BannerText>(texts));
    }
    on_host_end(ip);
  }
}

}  // namespace

SeedRows seed_rows(const StatusColumns& status, const BannerColumns& banners, SeedJoinCounts* joins) {
  // Services: open status rows and banner rows (but join-only ones), keyed (ip << 16 | port).
  auto key = [](uint32_t ip, uint16_t port) { return (uint64_t(ip) << 16) | port; };
  SeedRows rows;
  auto& services = rows.services;
  services.reserve(status.size() + banners.size());
  const auto open = uint8_t(Status::open);
  for (size_t i = 0; i < status.size(); ++i)
    if (status.status[i] == open) services.push_back(key(status.ip[i], status.port[i]));
  for (size_t i = 0; i < banners.size(); ++i)
    if (!banner_joins_only(banners.service.at(i))) services.push_back(key(banners.ip[i], banners.port[i]));
  std::sort(services.begin(), services.end());
  services.erase(std::unique(services.begin(), services.end()), services.end());
  services.shrink_to_fit();

  // Banner rows in service order (stable: input order inside a service; the
  // feature list is sorted and deduplicated, so that order does not matter).
  auto& banner_order = rows.banners;
  banner_order.resize(banners.size());
  for (size_t i = 0; i < banners.size(); ++i)
    banner_order[i] = {key(banners.ip[i], banners.port[i]), checked_cast<uint32_t>(i)};
  std::sort(banner_order.begin(), banner_order.end());
  if (joins) {  // the (ip, port) keys of join-only rows, with or without a service
    uint64_t last = 0;
    bool any = false;
    for (const auto& [k, row] : banner_order) {
      if (!banner_joins_only(banners.service.at(row)) || (any && k == last)) continue;
      any = true;
      last = k;
      if (std::binary_search(services.begin(), services.end(), k)) ++joins->joined;
      else ++joins->unmatched;
    }
  }
  return rows;
}

SeedHosts build_seed(const StatusColumns& status, const BannerColumns& banners, const FeatureOptions& options,
                     const AsnLookup& asn, FeatureDictionary* dict, SeedJoinCounts* joins, SeedRows* rows_out) {
  SeedRows rows = seed_rows(status, banners, joins);
  SeedHosts seed;
  seed.port.reserve(rows.services.size());  // exact
  seed.feat_begin.reserve(rows.services.size() + 1);
  std::vector<uint16_t> ports;
  std::vector<std::vector<uint64_t>> features;  // features[0, n) are this host's; the vectors are reused
  size_t n = 0;
  FeatureWalk walk;
  std::optional<uint32_t> host_asn;
  bool host_started = false, host_featured = true;
  size_t next = 0;  // the index in rows.services of the host's first service
  walk_services(
      rows, banners,
      [&](uint32_t ip, uint16_t port, std::span<const BannerText> texts) {
        if (!host_started) {
          host_asn = asn ? asn(ip) : std::nullopt;
          host_started = true;
          size_t end = next;
          while (end < rows.services.size() && uint32_t(rows.services[end] >> 16) == ip) ++end;
          host_featured = end - next >= options.min_host_ports && end - next <= options.max_host_ports;
        }
        ports.push_back(port);
        if (features.size() <= n) features.emplace_back();
        if (host_featured) service_features_into(walk, ip, texts, options, host_asn, dict, features[n++]);
        else features[n++].clear();
      },
      [&](uint32_t ip) {
        seed.add_host(ip, ports, std::span<const std::vector<uint64_t>>(features.data(), n));
        next += n;
        ports.clear();
        n = 0;
        host_started = false;
      });
  if (rows_out) *rows_out = std::move(rows);
  return seed;
}

SeedHosts build_seed(const StatusColumns& status, const BannerColumns& banners, const FeatureOptions& options,
                     const AsnLookup& asn, FeatureDictionary& dict, SeedJoinCounts* joins) {
  return build_seed(status, banners, options, asn, &dict, joins);
}

void recover_feature_texts(const SeedHosts& seed, const SeedRows& rows, const BannerColumns& banners,
                           const FeatureOptions& options, const AsnLookup& asn,
                           const std::vector<uint64_t>& wanted, FeatureDictionary& dict,
                           const std::vector<uint8_t>* entries) {
  if (entries && entries->size() != seed.feature.size())
    throw std::invalid_argument("gps: recover_feature_texts needs one flag per seed feature entry");
  // The wanted ids with a "text found" mark: one probe per entry looked at.
  const FlatIndex index(wanted, [](uint64_t id) { return id; });
  std::vector<uint8_t> found(wanted.size());
  for (size_t i = 0; i < wanted.size(); ++i) found[i] = dict.contains(wanted[i]);
  auto pending = [&](uint64_t id) {
    const size_t i = index.find(id);
    return i != index.npos && !found[i];
  };
  FeatureWalk walk;
  size_t h = 0, s = 0;  // the seed's host and service at the walk's (ip, port), when it has them
  walk_services(
      rows, banners,
      [&](uint32_t ip, uint16_t port, std::span<const BannerText> texts) {
        while (h < seed.hosts() && seed.ip[h] < ip) s = seed.host_begin[++h];
        if (h == seed.hosts() || seed.ip[h] != ip) return;
        while (s < seed.host_begin[h + 1] && seed.port[s] < port) ++s;
        if (s == seed.host_begin[h + 1] || seed.port[s] != port) return;
        bool missing = false;  // a wanted id of this service without its text yet
        for (uint64_t k = seed.feat_begin[s]; k < seed.feat_begin[s + 1] && !missing; ++k)
          missing = (!entries || (*entries)[k]) && pending(seed.feature[k]);
        if (!missing) return;
        const std::optional<uint32_t> host_asn = asn ? asn(ip) : std::nullopt;
        walk_texts(walk, ip, texts, options, host_asn, [&](FeatureKind kind, std::string_view text) {
          const size_t i = index.find(feature_id(kind, text));
          if (i == index.npos) return;
          dict.add(kind, text);  // checks the text against one found before
          found[i] = 1;
        });
      },
      [](uint32_t) {});
}

SeedHosts seed_slice(const SeedHosts& seed, size_t first, size_t last) {
  if (first > last || last > seed.hosts()) throw std::out_of_range("gps: bad host range");
  SeedHosts out;
  const uint64_t s0 = seed.host_begin[first], s1 = seed.host_begin[last];
  const uint64_t f0 = seed.feat_begin[s0], f1 = seed.feat_begin[s1];
  out.ip.assign(seed.ip.begin() + first, seed.ip.begin() + last);
  out.host_begin.clear();
  for (size_t h = first; h <= last; ++h) out.host_begin.push_back(seed.host_begin[h] - s0);
  out.port.assign(seed.port.begin() + s0, seed.port.begin() + s1);
  out.feat_begin.clear();
  for (uint64_t s = s0; s <= s1; ++s) out.feat_begin.push_back(seed.feat_begin[s] - f0);
  out.feature.assign(seed.feature.begin() + f0, seed.feature.begin() + f1);
  return out;
}

}  // namespace scanhpc::gps
