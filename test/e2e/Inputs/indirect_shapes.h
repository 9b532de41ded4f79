// The class hierarchy of indirect_virtual.test: an abstract base whose subclasses live on both
// sides, in the gostack-compiled program (Inputs/indirect_virtual_main.cpp) and in an object
// compiled by plain clang++ (Inputs/indirect_plain_shapes.cpp). The base's destructor is defined
// out of line, in the plain object, so that no inline function is emitted by both sides (the
// linker would keep one copy for both).
#ifndef GOSTACK_E2E_INDIRECT_SHAPES_H
#define GOSTACK_E2E_INDIRECT_SHAPES_H

#include <cstddef>

struct Shape {
  virtual ~Shape();
  // Plain: formats and parses through the C and C++ libraries; throws std::runtime_error for a
  // negative scale.
  virtual long area(long scale) const = 0;
  // Plain: std::ostringstream.
  virtual void describe(char *buf, size_t n) const = 0;
  // A recursion n levels deep: through the C++ library's frames (plain) or through virtual
  // calls to itself (gostack).
  virtual long deep(long n) const = 0;
};

Shape *make_plain_shape(long side);

#endif
