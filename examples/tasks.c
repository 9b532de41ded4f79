/* tasks: eight tasks, each on its own growable stack, recursing to different depths.
 *
 *   build/bin/gostack-clang -O2 examples/tasks.c -o tasks && ./tasks
 *
 * gostack_spawn creates a task with a GOSTACK_STACK_MIN (2 KB) stack; gostack_join runs it to
 * completion and returns its result. Each task recurses 1,000 to 200,000 frames deep, so each
 * stack grows to a different size, independently of the others. main prints every task's final
 * stack size and growth count, and checks each result against a loop.
 *
 * As in deep_recursion.c, output is formatted into a static buffer and written with write(2):
 * printf is a foreign function that wants more stack than main's 2 KB.
 */
#include <gostack/gostack.h>

#include <stdint.h>
#include <string.h>
#include <unistd.h>

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

int main(void) {
  gostack_task *tasks[NTASKS];
  for (int i = 0; i < NTASKS; i++)
    tasks[i] = gostack_spawn(task_main, &jobs[i]);

  int failures = 0;
  put_str("task  task id     depth    stack bytes   growths  result\n");
  for (int i = 0; i < NTASKS; i++) {
    struct job *job = gostack_join(tasks[i]);
    int ok = job->result == expected(job->depth);
    failures += !ok;
    put_uint((uint64_t)i, 10, 4);
    put_uint(job->info.task_id, 10, 9);
    put_uint(job->depth, 10, 10);
    put_uint(job->info.size, 10, 15);
    put_uint(job->info.growths, 10, 10);
    put_str(ok ? "  ok\n" : "  MISMATCH\n");
  }
  if (failures) {
    put_uint((uint64_t)failures, 10, 0);
    put_str(" task(s) returned a wrong result\n");
  } else {
    put_str("all ");
    put_uint(NTASKS, 10, 0);
    put_str(" tasks returned the expected result\n");
  }
  flush_out();
  return failures ? 1 : 0;
}
