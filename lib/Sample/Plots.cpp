// plot_trace and plot_posterior as PNG through libpng: panels of lines and
// bars, one colour per chain (no text: names are in the row order of summary()).
#include "graphjit/Sample/Plots.h"
#include "graphjit/Sample/Diagnostics.h"
#include "graphjit/Support/Error.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>

namespace graphjit::mcmc {

namespace {
struct Rgb {
  uint8_t r, g, b;
};
/// ArviZ's default cycle (matplotlib's tab10).
const Rgb Palette[] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                       {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127}};

struct Image {
  int width, height;
  std::vector<uint8_t> rgb;
  Image(int w, int h) : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3, 255) {}
  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    uint8_t *p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
  }
  void line(int x0, int y0, int x1, int y1, Rgb c) {
    int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
    for (;;) {
      set(x0, y0, c);
      if (x0 == x1 && y0 == y1) break;
      int e2 = 2 * err;
      if (e2 >= dy) err += dy, x0 += sx;
      if (e2 <= dx) err += dx, y0 += sy;
    }
  }
  void fill(int x0, int y0, int x1, int y1, Rgb c) {
    for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y)
      for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x)
        set(x, y, c);
  }
  void frame(int x0, int y0, int x1, int y1) {
    Rgb k{60, 60, 60};
    line(x0, y0, x1, y0, k), line(x1, y0, x1, y1, k), line(x1, y1, x0, y1, k),
        line(x0, y1, x0, y0, k);
  }
};

void writePng(const Image &img, const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) throw ValueError("plot: cannot open '" + path + "' for writing");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    throw ValueError("plot: libpng failed writing '" + path + "'");
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, img.width, img.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < img.height; ++y)
    png_write_row(png, const_cast<png_bytep>(&img.rgb[static_cast<size_t>(y) * img.width * 3]));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
}

std::vector<int64_t> selected(const SampleResult &r, const std::vector<std::string> &vars) {
  std::vector<int64_t> ks;
  if (vars.empty())
    for (int64_t k = 0; k < r.dim; ++k)
      ks.push_back(k);
  for (const std::string &v : vars)
    ks.push_back(r.index(v));
  return ks;
}

/// Histogram counts of `v` over [lo, hi] in `bins` bins.
std::vector<double> histogram(const double *v, size_t n, double lo, double hi, int bins) {
  std::vector<double> h(bins, 0.0);
  for (size_t i = 0; i < n; ++i) {
    int b = static_cast<int>((v[i] - lo) / (hi - lo) * bins);
    h[std::clamp(b, 0, bins - 1)] += 1;
  }
  return h;
}

constexpr int RowH = 140, Pad = 10;
} // namespace

void plot_trace(const SampleResult &r, const std::string &path, std::vector<std::string> vars) {
  std::vector<int64_t> ks = selected(r, vars);
  const int leftW = 320, rightW = 560;
  Image img(leftW + rightW + 3 * Pad, static_cast<int>(ks.size()) * (RowH + Pad) + Pad);
  for (size_t row = 0; row < ks.size(); ++row) {
    std::vector<double> v = r.variable(ks[row]);
    auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    double lo = *mn, hi = *mx > *mn ? *mx : *mn + 1;
    int top = Pad + static_cast<int>(row) * (RowH + Pad), bottom = top + RowH;
    int lx = Pad, rx = 2 * Pad + leftW;
    img.frame(lx, top, lx + leftW, bottom);
    img.frame(rx, top, rx + rightW, bottom);
    const int bins = 40;
    double peak = 0;
    std::vector<std::vector<double>> hs;
    for (int c = 0; c < r.chains; ++c) {
      hs.push_back(histogram(&v[static_cast<size_t>(c) * r.draws], r.draws, lo, hi, bins));
      peak = std::max(peak, *std::max_element(hs.back().begin(), hs.back().end()));
    }
    for (int c = 0; c < r.chains; ++c) {
      Rgb col = Palette[c % 8];
      // Each chain's density as a polyline through its bin centers.
      for (int b = 0; b + 1 < bins; ++b) {
        auto px = [&](int i) { return lx + static_cast<int>((i + 0.5) / bins * leftW); };
        auto py = [&](double h) { return bottom - 2 - static_cast<int>(h / peak * (RowH - 8)); };
        img.line(px(b), py(hs[c][b]), px(b + 1), py(hs[c][b + 1]), col);
      }
      // The trace: draw index across, value up.
      auto ty = [&](double y) {
        return bottom - 2 - static_cast<int>((y - lo) / (hi - lo) * (RowH - 4));
      };
      auto tx = [&](int i) {
        return rx + 1 + static_cast<int>(double(i) / std::max(1, r.draws - 1) * (rightW - 2));
      };
      const double *p = &v[static_cast<size_t>(c) * r.draws];
      for (int i = 0; i + 1 < r.draws; ++i)
        img.line(tx(i), ty(p[i]), tx(i + 1), ty(p[i + 1]), col);
      // Divergent draws as ticks under the trace.
      for (int i = 0; i < r.draws; ++i)
        if (r.stats.divergent[static_cast<size_t>(c) * r.draws + i])
          img.line(tx(i), bottom - 1, tx(i), bottom - 6, Rgb{0, 0, 0});
    }
  }
  writePng(img, path);
}

void plot_posterior(const SampleResult &r, const std::string &path, std::vector<std::string> vars) {
  std::vector<int64_t> ks = selected(r, vars);
  const int w = 480;
  Image img(w + 2 * Pad, static_cast<int>(ks.size()) * (RowH + Pad) + Pad);
  for (size_t row = 0; row < ks.size(); ++row) {
    std::vector<double> v = r.variable(ks[row]);
    auto [mn, mx] = std::minmax_element(v.begin(), v.end());
    double lo = *mn, hi = *mx > *mn ? *mx : *mn + 1;
    int top = Pad + static_cast<int>(row) * (RowH + Pad), bottom = top + RowH;
    img.frame(Pad, top, Pad + w, bottom);
    auto px = [&](double x) { return Pad + static_cast<int>((x - lo) / (hi - lo) * w); };
    auto [a, b] = hdi({v.data(), r.chains, r.draws}, 0.94);
    img.fill(px(a), bottom - 6, px(b), bottom - 2, Rgb{40, 40, 40}); // the HDI bar
    const int bins = 60;
    std::vector<double> h = histogram(v.data(), v.size(), lo, hi, bins);
    double peak = *std::max_element(h.begin(), h.end());
    for (int i = 0; i < bins; ++i) {
      int x0 = Pad + i * w / bins + 1, x1 = Pad + (i + 1) * w / bins - 1;
      int y = bottom - 8 - static_cast<int>(h[i] / peak * (RowH - 14));
      img.fill(x0, y, x1, bottom - 8, Palette[0]);
    }
    double m = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
    img.line(px(m), top + 2, px(m), bottom - 8, Palette[3]); // the mean
  }
  writePng(img, path);
}

} // namespace graphjit::mcmc
