// The uninstrumented side of indirect_virtual.test (compiled by plain clang++): virtual methods
// that the gostack-compiled program reaches only through vtables, with stack-hungry library
// code and a deep recursion inside. See Inputs/indirect_shapes.h.
#include "indirect_shapes.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>

Shape::~Shape() {}

namespace {

struct PlainSquare final : Shape {
  long side;
  explicit PlainSquare(long s) : side(s) {}
  long area(long scale) const override {
    if (scale < 0)
      throw std::runtime_error("negative scale " + std::to_string(scale));
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", (double)(side * side * scale));
    return (long)std::strtod(buf, nullptr);
  }
  void describe(char *buf, size_t n) const override {
    std::ostringstream os;
    os << "square side=" << side << " area=" << side * side << " ratio=" << 1.0 / (double)side;
    std::snprintf(buf, n, "%s", os.str().c_str());
  }
  __attribute__((noinline)) long deep(long n) const override {
    volatile char pad[128];
    pad[n % 128] = (char)n;
    long r = n == 0 ? side : deep(n - 1) + 1;
    return r + pad[n % 128] - (char)n;
  }
};

} // namespace

Shape *make_plain_shape(long side) { return new PlainSquare(side); }
