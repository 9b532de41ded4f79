/* Interface between multi_tu.c and Inputs/multi_tu_lib.c (separately compiled TUs). */
#ifndef GOSTACK_E2E_MULTI_TU_H
#define GOSTACK_E2E_MULTI_TU_H

#include <stdint.h>

typedef uint64_t (*mt_callback)(long n, uint64_t h);

struct mt_pair {
  uint64_t v[10]; /* 80 bytes: returned through sret */
};

/* Recurses n levels, calling cb every `every` levels (cb may call back into the library). */
uint64_t mt_walk(long n, uint64_t h, long every, mt_callback cb);

/* Returns a struct built at the bottom of an n-level recursion. */
struct mt_pair mt_make(long n, uint64_t seed);

/* Variadic, defined in the library: sums count longs, then recurses `depth` levels. */
uint64_t mt_vsum(long depth, int count, ...);

/* A local in the caller's frame, updated through a pointer at the bottom of the recursion. */
void mt_bump_at_depth(long n, long *target);

/* Library state touched by both TUs. */
extern long mt_calls;

#endif
