// Warm-up adaptation as in Stan: dual averaging of the step size
// (stepsize_adaptation.hpp) and the windowed variance estimate of a diagonal
// inverse mass matrix (windowed_adaptation.hpp, var_adaptation.hpp).
#include "Nuts.h"

#include <algorithm>

namespace graphjit::mcmc::detail {

void DualAveraging::restart(double stepSize) {
  // mu = log(10 eps): the averaging is pulled toward larger steps than the last one.
  mu_ = std::log(10 * stepSize);
  sBar_ = 0;
  xBar_ = 0;
  counter_ = 0;
}

double DualAveraging::learn(double acceptStat) {
  ++counter_;
  acceptStat = std::min(1.0, acceptStat);
  double eta = 1.0 / (counter_ + T0);
  sBar_ = (1.0 - eta) * sBar_ + eta * (delta_ - acceptStat);
  double x = mu_ - sBar_ * std::sqrt(counter_) / Gamma;
  double xEta = std::pow(counter_, -Kappa);
  xBar_ = (1.0 - xEta) * xBar_ + xEta * x;
  return std::exp(x);
}

WindowedVariance::WindowedVariance(int numWarmup, int initBuffer, int baseWindow, int termBuffer,
                                   int64_t dim)
    : numWarmup_(numWarmup), initBuffer_(initBuffer), windowSize_(baseWindow),
      termBuffer_(termBuffer), mean_(dim, 0.0), m2_(dim, 0.0) {
  if (numWarmup < 20) {
    // Too short to adapt: no window ever opens.
    initBuffer_ = numWarmup;
    termBuffer_ = 0;
    windowSize_ = 0;
  } else if (initBuffer + baseWindow + termBuffer > numWarmup) {
    // Stan's fallback: 15% / 75% / 10%.
    initBuffer_ = static_cast<int>(0.15 * numWarmup);
    termBuffer_ = static_cast<int>(0.1 * numWarmup);
    windowSize_ = numWarmup - (initBuffer_ + termBuffer_);
  }
  nextWindowEnd_ = initBuffer_ + windowSize_ - 1;
}

bool WindowedVariance::inWindow() const {
  return counter_ >= initBuffer_ && counter_ < numWarmup_ - termBuffer_ && counter_ != numWarmup_;
}

bool WindowedVariance::windowEnds() const {
  return counter_ == nextWindowEnd_ && counter_ != numWarmup_;
}

void WindowedVariance::nextWindow() {
  if (nextWindowEnd_ == numWarmup_ - termBuffer_ - 1) return;
  windowSize_ *= 2;
  nextWindowEnd_ = counter_ + windowSize_;
  // A window that would leave less than another doubled window before the terminal buffer
  // is stretched to reach it.
  if (nextWindowEnd_ != numWarmup_ - termBuffer_ - 1) {
    int boundary = nextWindowEnd_ + 2 * windowSize_;
    if (boundary >= numWarmup_ - termBuffer_) nextWindowEnd_ = numWarmup_ - termBuffer_ - 1;
  }
}

bool WindowedVariance::learn(const std::vector<double> &q, std::vector<double> &invMass) {
  if (windowSize_ == 0) {
    ++counter_;
    return false;
  }
  if (inWindow()) {
    ++n_;
    for (size_t i = 0; i < q.size(); ++i) {
      double d = q[i] - mean_[i];
      mean_[i] += d / n_;
      m2_[i] += d * (q[i] - mean_[i]);
    }
  }
  if (windowEnds()) {
    nextWindow();
    double n = static_cast<double>(n_);
    for (size_t i = 0; i < q.size(); ++i) {
      double var = n > 1 ? m2_[i] / (n - 1) : 1.0;
      // Shrink toward 1e-3 for short windows (Stan's regularization).
      invMass[i] = (n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0));
    }
    std::fill(mean_.begin(), mean_.end(), 0.0);
    std::fill(m2_.begin(), m2_.end(), 0.0);
    n_ = 0;
    ++counter_;
    return true;
  }
  ++counter_;
  return false;
}

} // namespace graphjit::mcmc::detail
