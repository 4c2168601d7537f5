// Box-plot statistics of daily means, as R draws them: ggplot2's stat_boxplot
// (the seed's geom_boxplot) or base R's boxplot.stats.
#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "scanhpc/ports/port_stats.hpp"

namespace scanhpc::ports {

namespace {

// R's quantile(x, p, type = 7) on sorted x, in R's own arithmetic order
// ((1 - h) * x[lo] + h * x[hi]) so that the doubles match R's.
double quantile7(const std::vector<double>& s, double p) {
  const double index = 1 + double(s.size() - 1) * p;  // 1-based
  const size_t lo = size_t(std::floor(index)), hi = size_t(std::ceil(index));
  const double q = s[lo - 1];
  if (!(index > double(lo)) || s[hi - 1] == q) return q;
  const double h = index - double(lo);
  return (1 - h) * q + h * s[hi - 1];
}

// R's fivenum: Tukey's hinges, each the mean of one or two order statistics.
std::array<double, 5> fivenum(const std::vector<double>& s) {
  const double n = double(s.size());
  const double n4 = std::floor((n + 3) / 2) / 2;
  const double d[5] = {1, n4, (n + 1) / 2, n + 1 - n4, n};
  std::array<double, 5> out{};
  for (int i = 0; i < 5; ++i)
    out[size_t(i)] = 0.5 * (s[size_t(std::floor(d[i])) - 1] + s[size_t(std::ceil(d[i])) - 1]);
  return out;
}

}  // namespace

BoxStats box_stats(const std::vector<double>& x, BoxRule rule, double coef) {
  BoxStats b;
  b.n = x.size();
  if (x.empty()) return b;
  std::vector<double> s = x;
  std::sort(s.begin(), s.end());
  std::array<double, 5> st{};
  if (rule == BoxRule::ggplot2) {
    for (int i = 0; i < 5; ++i) st[size_t(i)] = quantile7(s, 0.25 * i);
  } else {
    st = fivenum(s);
  }
  const double iqr = st[3] - st[1];
  // boxplot.stats with coef == 0 marks no outliers; stat_boxplot marks what lies outside the box.
  const bool mark = rule == BoxRule::ggplot2 || coef > 0;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < x.size(); ++i) {
    if (mark && (x[i] < st[1] - coef * iqr || x[i] > st[3] + coef * iqr)) {
      b.outliers.push_back(i);
    } else {
      lo = std::min(lo, x[i]);
      hi = std::max(hi, x[i]);
    }
  }
  if (!b.outliers.empty()) {
    if (rule == BoxRule::ggplot2) {  // range(c(stats[2:4], y[!outliers]))
      lo = std::min(lo, st[1]);
      hi = std::max(hi, st[3]);
    }
    st[0] = lo;
    st[4] = hi;
  }
  b.lower = st[0];
  b.q1 = st[1];
  b.median = st[2];
  b.q3 = st[3];
  b.upper = st[4];
  return b;
}

std::vector<PortBox> port_boxes(const std::vector<DailyMean>& means, const std::vector<PortKey>& ports, bool by_month,
                                BoxRule rule, double coef) {
  std::map<PortKey, std::vector<std::pair<uint32_t, double>>> series;  // (day, mean), by day
  for (const PortKey& k : ports) series[k];
  for (const DailyMean& m : means) {
    auto it = series.find({m.proto, m.port});
    if (it != series.end()) it->second.emplace_back(m.day, m.mean_sources);
  }
  std::vector<PortBox> out;
  auto add = [&](const PortKey& k, uint32_t month, const std::vector<std::pair<uint32_t, double>>& days) {
    std::vector<double> x(days.size());
    for (size_t i = 0; i < days.size(); ++i) x[i] = days[i].second;
    PortBox box{k.proto, k.port, month, box_stats(x, rule, coef), {}};
    for (size_t i : box.stats.outliers) box.outliers.push_back(days[i]);
    out.push_back(std::move(box));
  };
  for (auto& [k, days] : series) {
    std::sort(days.begin(), days.end());  // means come sorted; do not rely on it
    if (days.empty()) continue;
    add(k, kAllMonths, days);
    if (!by_month) continue;
    for (size_t i = 0; i < days.size();) {
      const uint32_t month = month_of(days[i].first);
      size_t j = i;
      while (j < days.size() && month_of(days[j].first) == month) ++j;
      add(k, month, std::vector<std::pair<uint32_t, double>>(days.begin() + std::ptrdiff_t(i), days.begin() + std::ptrdiff_t(j)));
      i = j;
    }
  }
  return out;
}

}  // namespace scanhpc::ports
