/* bench/calls/calls.h: the kernels of bench/calls/calls.c, as seen from the harness. */
#ifndef GOSTACK_BENCH_CALLS_H
#define GOSTACK_BENCH_CALLS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
struct node;
uint64_t k_fib(int n);
struct node *k_tree_build(int depth);
uint64_t k_tree_sum(const struct node *n);
void k_tree_free(struct node *n);
uint64_t k_step(uint64_t x);
uint64_t k_loop(uint64_t seed, int iters);
/* `batch` recursions `depth` deep, each in a fresh task under gostack. */
uint64_t k_grow(int depth, int batch);
#ifdef __cplusplus
}
#endif
#endif
