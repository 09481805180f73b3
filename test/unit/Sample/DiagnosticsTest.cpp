// R-hat, ESS, MCSE and HDI against ArviZ's formulas run offline on the same
// draws (scripts/arviz_reference.py wrote ArvizReference.h); az.summary layout.
#include "ArvizReference.h"
#include "graphjit/graphjit.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace graphjit::mcmc;

namespace {
void expectRel(double got, double want, const std::string &what) {
  EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::abs(want))) << what;
}
} // namespace

TEST(Diagnostics, MatchArviz) {
  for (const arviz_ref::Var &v : arviz_ref::Vars) {
    Draws x{v.draws, arviz_ref::Chains, arviz_ref::Draws};
    std::string n = v.name;
    expectRel(rhat(x), v.rhat, n + " rhat");
    expectRel(ess_bulk(x), v.essBulk, n + " ess_bulk");
    expectRel(ess_tail(x), v.essTail, n + " ess_tail");
    expectRel(ess_mean(x), v.essMean, n + " ess_mean");
    expectRel(mcse_mean(x), v.mcseMean, n + " mcse_mean");
    expectRel(mcse_sd(x), v.mcseSd, n + " mcse_sd");
    auto [lo, hi] = hdi(x, 0.94);
    EXPECT_EQ(lo, v.hdiLow) << n;
    EXPECT_EQ(hi, v.hdiHigh) << n;
  }
}

TEST(Diagnostics, NormalQuantileMatchesScipy) {
  for (size_t i = 0; i < std::size(arviz_ref::QuantileP); ++i)
    EXPECT_NEAR(normalQuantile(arviz_ref::QuantileP[i]), arviz_ref::QuantileX[i],
                1e-13 * std::max(1.0, std::abs(arviz_ref::QuantileX[i])))
        << "p = " << arviz_ref::QuantileP[i];
}

TEST(Diagnostics, TooFewDrawsGiveNaN) {
  double d[6] = {1, 2, 3, 4, 5, 6};
  EXPECT_TRUE(std::isnan(rhat({d, 1, 6})));     // one chain
  EXPECT_TRUE(std::isnan(ess_bulk({d, 2, 3}))); // 3 draws
  EXPECT_THROW(hdi({d, 1, 6}, 1.5), graphjit::ValueError);
}

TEST(Diagnostics, SummaryPrintsLikeArviz) {
  SampleResult r;
  r.chains = arviz_ref::Chains;
  r.draws = arviz_ref::Draws;
  r.dim = 2;
  r.names = {"iid", "ar09"};
  for (int c = 0; c < r.chains; ++c)
    for (int d = 0; d < r.draws; ++d)
      for (int k = 0; k < 2; ++k)
        r.values.push_back(arviz_ref::Vars[k].draws[c * r.draws + d]);
  std::vector<SummaryRow> rows = summary(r);
  ASSERT_EQ(rows.size(), 2u);
  expectRel(rows[1].essBulk, arviz_ref::Vars[1].essBulk, "ar09 via summary");
  std::string table = formatSummary(rows);
  EXPECT_NE(table.find("mean     sd  hdi_3%  hdi_97%  mcse_mean  mcse_sd  ess_bulk  ess_tail  "
                       "r_hat"),
            std::string::npos)
      << table;
  // ESS whole numbers shown with ".0", R-hat with 2 decimals (pandas after az.summary's round).
  EXPECT_NE(table.find("802.0"), std::string::npos) << table;
  EXPECT_NE(table.find("1.08"), std::string::npos) << table;
}
