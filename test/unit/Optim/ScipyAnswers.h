// SciPy's answers to the workshop's optimization problems, written by
// `/usr/bin/python3 benchmarks/optimize_scipy.py --header` (SciPy's method named in each;
// scipy 1.10.1, numpy 1.24.2).
#pragma once

#include <vector>

// clang-format off: generated
namespace scipy {
inline constexpr double kQuadraticX = 3.000000000000003; // Nelder-Mead
inline constexpr int kQuadraticNfev = 56;
inline constexpr int kNmSseNfev = 757; // Nelder-Mead on exercise 2
inline constexpr double kNmSseFun = 8.139995473091332e-07;
inline constexpr int kNmGlmNfev = 1501; // Nelder-Mead on exercise 4
inline constexpr double kNmGlmFun = 6805.85107810582;
inline constexpr int kNmBudgetNfev = 889; // Nelder-Mead, bounds [0, 0.3]
inline const std::vector<double> kNmBudgetX = {0.29981797939041, 0.29978144636408977, 0.0, 0.29999999999997295, 0.29999999999997295, 0.2998162970153393, 0.29999999999997295, 0.29993187589193804};
inline constexpr int kPowellNfev = 926; // Powell
inline constexpr int kBfgsNfev = 221; // BFGS
inline const std::vector<double> kGlmX = {0.11443390133926887, 0.1682303144198667, -0.07396011706421439, -0.02174716167851248, -0.0692587427210467, -0.04235291600224933, 0.10139716563292415, 0.030862710775021326, -0.16145471831311012, 0.11900739338395623}; // trust-ncg
inline constexpr double kGlmFun = 6804.1340702956895;
inline constexpr int kGlmNfev = 6;
inline const std::vector<double> kBudgetX = {0.24148771501199362, 3.721863737292065e-06, 0.11943468915972297, 0.21262805119781863, 0.24212287670286647, 8.705540273014787e-07, 0.18432138698990233, 6.885199304018182e-07}; // trust-constr
inline constexpr double kBudgetFun = -1.0745281315834736;
inline const std::vector<double> kBonusX = {0.15952432699478644, 0.05000047770556115, 0.050000000000000155, 0.16531583957574067, 0.17515688152774098, 0.08260278958583273, 0.2673996846103377, 0.05000000000000017}; // trust-constr
inline constexpr double kBonusFun = -1.0266349646174782;
} // namespace scipy
// clang-format on
