// Writing RGB images as PNG through libpng (for the examples' figures).
#pragma once

#include <png.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

namespace example {

/// An RGB image, row-major, 3 bytes per pixel.
struct Image {
  int width, height;
  std::vector<uint8_t> rgb;
  Image(int w, int h, uint8_t fill = 255)
      : width(w), height(h), rgb(static_cast<size_t>(w) * h * 3, fill) {}
  void set(int x, int y, uint8_t r, uint8_t g, uint8_t b) {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    uint8_t *p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
    p[0] = r, p[1] = g, p[2] = b;
  }
  /// Copies `o` with its top-left corner at (x0, y0).
  void paste(const Image &o, int x0, int y0) {
    for (int y = 0; y < o.height; ++y)
      for (int x = 0; x < o.width; ++x) {
        const uint8_t *p = &o.rgb[(static_cast<size_t>(y) * o.width + x) * 3];
        set(x0 + x, y0 + y, p[0], p[1], p[2]);
      }
  }
};

/// A perceptual dark-to-bright ramp (approximately viridis) for t in [0, 1].
inline void colormap(double t, uint8_t &r, uint8_t &g, uint8_t &b) {
  static const double stops[5][3] = {
      {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  double s = t * 4;
  int i = s >= 4 ? 3 : static_cast<int>(s);
  double f = s - i;
  r = static_cast<uint8_t>(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]));
  g = static_cast<uint8_t>(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]));
  b = static_cast<uint8_t>(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]));
}

inline void writePng(const Image &img, const std::string &path) {
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("writePng: cannot open " + path);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    throw std::runtime_error("writePng: libpng failed writing " + path);
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

} // namespace example
