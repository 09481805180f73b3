// Trace and posterior plots as PNG (ArviZ's plot_trace and plot_posterior, without text): per
// variable a row; one colour per chain.
#pragma once

#include "graphjit/Sample/Sample.h"

#include <string>
#include <vector>

namespace graphjit::mcmc {

/// Left: each chain's histogram (as a density line); right: each chain's draws over iterations.
/// `vars` empty: every reported variable. Throws ValueError when the file cannot be written.
void plot_trace(const SampleResult &r, const std::string &path, std::vector<std::string> vars = {});
/// A histogram of all chains together with the 94% HDI shaded and the mean marked.
void plot_posterior(const SampleResult &r, const std::string &path,
                    std::vector<std::string> vars = {});

} // namespace graphjit::mcmc
