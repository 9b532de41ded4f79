/* gostack: Go-style growable stacks for C and C++.
 *
 * Programs compiled with gostack-clang run `main` as the first task on a small stack that grows
 * by copying. This header is the C API for spawning further tasks and for inspecting the
 * current task's stack. Runtime threads and the M:N scheduler come later; today every task runs
 * on the thread that joins it.
 */
#ifndef GOSTACK_GOSTACK_H
#define GOSTACK_GOSTACK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct gostack_task gostack_task;

/* Creates a task that will run fn(arg) on its own stack (initially GOSTACK_STACK_MIN bytes,
 * 2048 by default). The task runs when it is joined. Never returns NULL: out of memory is a
 * gostack fatal error. */
gostack_task *gostack_spawn(void *(*fn)(void *arg), void *arg);

/* Runs the task to completion (if it has not run yet), frees it and returns fn's result.
 * Each task is joined exactly once. */
void *gostack_join(gostack_task *task);

/* Information about the calling task's stack. */
typedef struct gostack_stack_info {
  uint64_t task_id;       /* 1 is main; 0 when the caller is not running as a task */
  uintptr_t lo, hi;       /* current stack bounds [lo, hi) */
  size_t size;            /* hi - lo */
  size_t initial_size;    /* size the task started with */
  size_t max_size;        /* largest size it has had */
  uint64_t growths;       /* moves that enlarged the stack */
  uint64_t moves;         /* all moves, including same-size moves (GOSTACK_MOVESTACK=1) */
  uint64_t segment_links; /* segments linked for callbacks from uninstrumented code, whose
                             frames pin the stack they run on (docs/design.md, "Foreign calls") */
} gostack_stack_info;

/* Fills *out for the calling task; returns 0 when the caller is not a task (e.g. main opted out
 * with GOSTACK_MAIN_TASK=0), in which case *out has task_id 0 and the other fields zero. */
int gostack_stack_info_get(gostack_stack_info *out);

/* Shorthands for the calling task (0 when not a task). */
size_t gostack_stack_size(void);
uint64_t gostack_stack_growths(void);
uint64_t gostack_task_id(void);

#ifdef __cplusplus
}
#endif

#endif /* GOSTACK_GOSTACK_H */
