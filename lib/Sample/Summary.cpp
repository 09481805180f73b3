// az.summary: the diagnostics of every reported variable as one table, rounded
// and laid out as ArviZ and pandas print it.
#include "graphjit/Sample/Summary.h"
#include "graphjit/Sample/Diagnostics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

namespace graphjit::mcmc {

std::vector<SummaryRow> summary(const SampleResult &r, double hdiProb) {
  std::vector<SummaryRow> rows;
  for (int64_t k = 0; k < r.dim; ++k) {
    std::vector<double> v = r.variable(k);
    Draws x{v.data(), r.chains, r.draws};
    SummaryRow row;
    row.name = r.names[k];
    row.mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
    double ss = 0;
    for (double d : v)
      ss += (d - row.mean) * (d - row.mean);
    row.sd = v.size() > 1 ? std::sqrt(ss / (v.size() - 1)) : 0.0;
    std::tie(row.hdiLow, row.hdiHigh) = hdi(x, hdiProb);
    row.mcseMean = mcse_mean(x);
    row.mcseSd = mcse_sd(x);
    row.essBulk = ess_bulk(x);
    row.essTail = ess_tail(x);
    row.rhat = rhat(x);
    rows.push_back(row);
  }
  return rows;
}

namespace {
double roundTo(double v, int decimals) {
  double s = std::pow(10.0, decimals);
  return std::nearbyint(v * s) / s;
}

/// A column as pandas prints it after az.summary's rounding: the fewest decimals (at least
/// one, at most `cap`) that show every value of the column exactly.
std::vector<std::string> column(const std::vector<double> &vals, int cap) {
  int decimals = 1;
  for (double v : vals) {
    if (!std::isfinite(v)) continue;
    double r = roundTo(v, cap);
    int d = 1;
    while (d < cap && std::abs(roundTo(r, d) - r) > 1e-9 * std::max(1.0, std::abs(r)))
      ++d;
    decimals = std::max(decimals, d);
  }
  std::vector<std::string> out;
  for (double v : vals) {
    char buf[64];
    if (std::isnan(v))
      std::snprintf(buf, sizeof buf, "NaN");
    else
      std::snprintf(buf, sizeof buf, "%.*f", decimals, roundTo(v, cap));
    out.push_back(buf);
  }
  return out;
}
} // namespace

std::string formatSummary(const std::vector<SummaryRow> &rows, double hdiProb) {
  auto pct = [](double p) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g%%", std::round(p * 1000) / 10);
    return std::string(buf);
  };
  double tail = (1 - hdiProb) / 2;
  std::vector<std::string> headers = {
      "mean",      "sd",      "hdi_" + pct(tail), "hdi_" + pct(1 - tail),
      "mcse_mean", "mcse_sd", "ess_bulk",         "ess_tail",
      "r_hat"};
  auto get = [&](auto field) {
    std::vector<double> v;
    for (const SummaryRow &r : rows)
      v.push_back(r.*field);
    return v;
  };
  std::vector<std::vector<std::string>> cols = {
      column(get(&SummaryRow::mean), 3),     column(get(&SummaryRow::sd), 3),
      column(get(&SummaryRow::hdiLow), 3),   column(get(&SummaryRow::hdiHigh), 3),
      column(get(&SummaryRow::mcseMean), 3), column(get(&SummaryRow::mcseSd), 3),
      column(get(&SummaryRow::essBulk), 0),  column(get(&SummaryRow::essTail), 0),
      column(get(&SummaryRow::rhat), 2)};
  size_t nameWidth = 0;
  for (const SummaryRow &r : rows)
    nameWidth = std::max(nameWidth, r.name.size());
  std::vector<size_t> widths;
  for (size_t c = 0; c < cols.size(); ++c) {
    size_t w = headers[c].size();
    for (const std::string &s : cols[c])
      w = std::max(w, s.size());
    widths.push_back(w);
  }
  std::string out(nameWidth, ' ');
  for (size_t c = 0; c < cols.size(); ++c)
    out += "  " + std::string(widths[c] - headers[c].size(), ' ') + headers[c];
  out += "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    out += rows[i].name + std::string(nameWidth - rows[i].name.size(), ' ');
    for (size_t c = 0; c < cols.size(); ++c)
      out += "  " + std::string(widths[c] - cols[c][i].size(), ' ') + cols[c][i];
    out += "\n";
  }
  return out;
}

} // namespace graphjit::mcmc
