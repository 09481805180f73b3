// az.summary for a SampleResult: one row per reported variable with mean, sd,
// HDI 94%, MCSE of mean and sd, bulk and tail ESS and R-hat.
#pragma once

#include "graphjit/Sample/Sample.h"

#include <string>
#include <vector>

namespace graphjit::mcmc {

struct SummaryRow {
  std::string name;
  double mean, sd, hdiLow, hdiHigh, mcseMean, mcseSd, essBulk, essTail, rhat;
};

std::vector<SummaryRow> summary(const SampleResult &r, double hdiProb = 0.94);
/// The table as az.summary prints it (3 decimals; ESS whole; R-hat 2 decimals).
std::string formatSummary(const std::vector<SummaryRow> &rows, double hdiProb = 0.94);

} // namespace graphjit::mcmc
