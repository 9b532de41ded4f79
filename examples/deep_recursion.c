/* deep_recursion: main recurses a million frames deep on a stack that starts at 2 KB.
 *
 *   build/bin/gostack-clang -O2 examples/deep_recursion.c -o deep_recursion
 *   ./deep_recursion [DEPTH]          (default 1000000)
 *
 * Under gostack, main runs as the first task on a GOSTACK_STACK_MIN (2048-byte) stack. Every
 * function entry checks the stack; when a frame does not fit, the runtime moves the whole stack
 * to one twice as large and carries on. This program records the stack size at depths 0, 1, 10,
 * ..., 1000000, and checks that every frame's locals survived the moves by comparing the result
 * with the same computation done in a loop.
 *
 * Nothing is printed during the recursion: printf is a foreign (uninstrumented) function that
 * wants several KB of stack. Samples go to a static array; the report is formatted into a
 * static buffer and written with one write(2) at the end.
 */
#include <gostack/gostack.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_DEPTH 1000000u
#define PAD 24 /* bytes of locals per frame: the recursion cannot become a loop */

struct sample {
  uint64_t depth;
  int is_task;
  gostack_stack_info info;
};

static struct sample samples[32];
static unsigned nsamples;
static uint64_t next_sample; /* 0, 1, 10, 100, ... */

static void record(uint64_t depth) {
  if (nsamples < sizeof samples / sizeof samples[0]) {
    struct sample *s = &samples[nsamples++];
    s->depth = depth;
    s->is_task = gostack_stack_info_get(&s->info);
  }
}

static uint64_t leaf_value(uint64_t depth) { return depth ^ 0x9e3779b97f4a7c15ull; }
static unsigned char pad_byte(uint64_t depth, unsigned i) { return (unsigned char)(depth * 7 + i); }

__attribute__((noinline)) static uint64_t descend(uint64_t depth, uint64_t max_depth) {
  volatile unsigned char pad[PAD];
  for (unsigned i = 0; i < PAD; i++)
    pad[i] = pad_byte(depth, i);
  if (depth == next_sample || depth == max_depth) {
    record(depth);
    if (depth == next_sample)
      next_sample = next_sample ? next_sample * 10 : 1;
  }
  if (depth == max_depth)
    return leaf_value(depth);
  uint64_t r = descend(depth + 1, max_depth);
  /* Read this frame's locals after the callee returned, i.e. after the stack has moved. */
  return r * 31 + pad[depth % PAD];
}

/* The same value without recursion. */
static uint64_t expected(uint64_t max_depth) {
  uint64_t r = leaf_value(max_depth);
  for (uint64_t d = max_depth; d-- > 0;)
    r = r * 31 + pad_byte(d, (unsigned)(d % PAD));
  return r;
}

/* ---- Output without stdio ---------------------------------------------------------------------- */

static char out[4096];
static size_t outlen;

static void put_str(const char *s) {
  size_t n = strlen(s);
  if (n > sizeof out - outlen)
    n = sizeof out - outlen;
  memcpy(out + outlen, s, n);
  outlen += n;
}

/* Unsigned decimal (or hex with base 16), right-aligned in `width` columns. */
static void put_uint(uint64_t v, unsigned base, int width) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  char text[48];
  int len = 0;
  for (int pad = width - n; pad > 0 && len < 24; pad--)
    text[len++] = ' ';
  while (n)
    text[len++] = digits[--n];
  text[len] = 0;
  put_str(text);
}

static void flush_out(void) {
  size_t done = 0;
  while (done < outlen) {
    ssize_t n = write(1, out + done, outlen - done);
    if (n <= 0)
      break;
    done += (size_t)n;
  }
  outlen = 0;
}

/* Parses a decimal depth; 0 on malformed input. */
static uint64_t parse_depth(const char *s) {
  uint64_t v = 0;
  if (!*s)
    return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
      return 0;
    v = v * 10 + (uint64_t)(*s - '0');
  }
  return v;
}

int main(int argc, char **argv) {
  uint64_t max_depth = DEFAULT_DEPTH;
  if (argc > 1) {
    max_depth = parse_depth(argv[1]);
    if (max_depth == 0) {
      put_str("usage: deep_recursion [DEPTH]   (DEPTH > 0, default 1000000)\n");
      flush_out();
      return 2;
    }
  }

  uint64_t result = descend(0, max_depth);

  static gostack_stack_info now; /* static: no stack address leaves this frame */
  int is_task = gostack_stack_info_get(&now);

  put_str("gostack deep recursion: ");
  put_uint(max_depth, 10, 0);
  put_str(" frames\n");
  if (!is_task)
    put_str("(main is not running as a task, e.g. GOSTACK_MAIN_TASK=0: no stack sizes)\n");
  put_str("    depth    stack bytes   growths\n");
  for (unsigned i = 0; i < nsamples; i++) {
    put_uint(samples[i].depth, 10, 9);
    put_uint(samples[i].info.size, 10, 15);
    put_uint(samples[i].info.growths, 10, 10);
    put_str("\n");
  }
  if (is_task) {
    put_str("back in main: stack ");
    put_uint(now.size, 10, 0);
    put_str(" bytes (initial ");
    put_uint(now.initial_size, 10, 0);
    put_str(", largest ");
    put_uint(now.max_size, 10, 0);
    put_str("), ");
    put_uint(now.growths, 10, 0);
    put_str(" growths, ");
    put_uint(now.moves, 10, 0);
    put_str(" moves\n");
  }

  uint64_t want = expected(max_depth);
  put_str("checksum 0x");
  put_uint(result, 16, 0);
  if (result == want) {
    put_str(" (matches the iterative computation)\n");
  } else {
    put_str(" MISMATCH: the iterative computation gives 0x");
    put_uint(want, 16, 0);
    put_str("\n");
  }
  flush_out();
  return result == want ? 0 : 1;
}
