// Environment helpers. The runtime reads its knobs (GOSTACK_STACK_MIN, GOSTACK_MAXSTACK, ...)
// before main and on the system stack, so parsing is hand-written: no strtoull (locale, errno
// and whitespace/sign rules we do not want), no malloc.
#include "internal.h"

#include <stdint.h>

// Binary multipliers: stack sizes are powers of two, so "64k" means 65536.
static int suffix_shift(char c, unsigned *shift) {
  switch (c) {
  case 'k': case 'K': *shift = 10; return 1;
  case 'm': case 'M': *shift = 20; return 1;
  case 'g': case 'G': *shift = 30; return 1;
  default: return 0;
  }
}

int gostack_parse_size(const char *s, size_t *out) {
  // Grammar: digits [kKmMgG] [bB]. No sign, no spaces: a typo must not silently become a size.
  if (s == NULL || *s < '0' || *s > '9')
    return 0;
  size_t v = 0;
  for (; *s >= '0' && *s <= '9'; s++) {
    size_t d = (size_t)(*s - '0');
    if (v > (SIZE_MAX - d) / 10)
      return 0;
    v = v * 10 + d;
  }
  unsigned shift = 0;
  if (suffix_shift(*s, &shift))
    s++;
  if (*s == 'b' || *s == 'B')
    s++;
  if (*s != '\0')
    return 0;
  if (shift != 0 && v > (SIZE_MAX >> shift))
    return 0;
  *out = v << shift;
  return 1;
}
