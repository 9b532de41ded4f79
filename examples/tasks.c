/* tasks: eight tasks, each on its own growable stack, recursing to different depths.
 *
 *   build/bin/gostack-clang -O2 examples/tasks.c -o tasks && ./tasks
 *
 * gostack_spawn creates a task with a GOSTACK_STACK_MIN (2 KB) stack; gostack_join runs it to
 * completion and returns its result. Each task recurses 1,000 to 200,000 frames deep, so each
 * stack grows to a different size, independently of the others. main prints every task's final
 * stack size and growth count, and checks each result against a loop.
 */
#include <gostack/gostack.h>

#include <stdint.h>
#include <stdio.h>

#define PAD 24
#define NTASKS 8

struct job {
  uint64_t depth;
  uint64_t result;
  int is_task;
  gostack_stack_info info; /* the task's stack after its recursion */
};

static struct job jobs[NTASKS] = {
    {.depth = 1000},  {.depth = 2000},  {.depth = 5000},   {.depth = 10000},
    {.depth = 20000}, {.depth = 50000}, {.depth = 100000}, {.depth = 200000},
};

static uint64_t leaf_value(uint64_t depth) { return depth ^ 0x9e3779b97f4a7c15ull; }
static unsigned char pad_byte(uint64_t depth, unsigned i) { return (unsigned char)(depth * 7 + i); }

__attribute__((noinline)) static uint64_t descend(uint64_t depth, uint64_t max_depth) {
  volatile unsigned char pad[PAD];
  for (unsigned i = 0; i < PAD; i++)
    pad[i] = pad_byte(depth, i);
  if (depth == max_depth)
    return leaf_value(depth);
  uint64_t r = descend(depth + 1, max_depth);
  return r * 31 + pad[depth % PAD];
}

static uint64_t expected(uint64_t max_depth) {
  uint64_t r = leaf_value(max_depth);
  for (uint64_t d = max_depth; d-- > 0;)
    r = r * 31 + pad_byte(d, (unsigned)(d % PAD));
  return r;
}

static void *task_main(void *arg) {
  struct job *job = arg;
  job->result = descend(0, job->depth);
  job->is_task = gostack_stack_info_get(&job->info);
  return job;
}

int main(void) {
  gostack_task *tasks[NTASKS];
  for (int i = 0; i < NTASKS; i++)
    tasks[i] = gostack_spawn(task_main, &jobs[i]);

  int failures = 0;
  printf("%4s %8s %9s %14s %9s  %s\n", "task", "task id", "depth", "stack bytes", "growths",
         "result");
  for (int i = 0; i < NTASKS; i++) {
    struct job *job = gostack_join(tasks[i]);
    int ok = job->result == expected(job->depth);
    failures += !ok;
    printf("%4d %8llu %9llu %14zu %9llu  %s\n", i, (unsigned long long)job->info.task_id,
           (unsigned long long)job->depth, job->info.size,
           (unsigned long long)job->info.growths, ok ? "ok" : "MISMATCH");
  }
  if (failures)
    printf("%d task(s) returned a wrong result\n", failures);
  else
    printf("all %d tasks returned the expected result\n", NTASKS);
  return failures ? 1 : 0;
}
