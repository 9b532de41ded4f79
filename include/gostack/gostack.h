/* gostack: Go-style growable stacks for C and C++.
 *
 * Programs compiled with gostack-clang run `main` as the first task on a small stack that grows
 * by copying. Tasks run on an M:N scheduler: GOSTACK_PROCS processors (default: the number of
 * cores), each with its own run queue, served by runtime-created threads; a task blocks on
 * channels, WaitGroups, Mutexes, sleeps and joins by parking, which costs no thread. The program
 * exits when main returns, like a Go program, whatever other tasks are doing.
 *
 * Every blocking call here also works from a thread that is not a task (a plain pthread, or main
 * with GOSTACK_MAIN_TASK=0): it blocks that thread instead of parking a task.
 *
 * Thread-local variables: a task may resume on a different thread after any call that can park
 * or yield (and at any instrumented function entry, where a long-running task is preempted), so
 * a task must not keep the address of a thread-local variable (errno included) across such a
 * call. See docs/design.md, "Scheduler".
 */
#ifndef GOSTACK_GOSTACK_H
#define GOSTACK_GOSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Tasks ----------------------------------------------------------------------------------- */

typedef struct gostack_task gostack_task;

/* Starts a task that runs fn(arg) on its own stack (initially GOSTACK_STACK_MIN bytes, 2048 by
 * default) and must be joined exactly once. The task is runnable at once. Never returns NULL:
 * out of memory is a gostack fatal error. */
gostack_task *gostack_spawn(void *(*fn)(void *arg), void *arg);

/* Waits until the task has finished (parking the calling task, or blocking the calling thread),
 * frees it and returns fn's result. */
void *gostack_join(gostack_task *task);

/* Starts a detached task (Go's `go` statement): it runs fn(arg) and is freed when fn returns. */
void gostack_go(void (*fn)(void *arg), void *arg);

/* Lets other runnable tasks run; the caller stays runnable (Go's runtime.Gosched). */
void gostack_yield(void);

/* Parks the calling task for at least `ns` nanoseconds (CLOCK_MONOTONIC). */
void gostack_sleep_ns(uint64_t ns);

/* Number of processors tasks run on (GOSTACK_PROCS, default: the cores this process may use). */
int gostack_procs(void);

/* The calling task, or NULL when the caller is not a task. */
gostack_task *gostack_self(void);

/* Park/unpark with a permit, the primitive other synchronization can be built on (like Java's
 * LockSupport): gostack_park blocks until the permit is available and consumes it;
 * gostack_unpark(t) makes t's permit available (at most one is kept), waking t if it is parked.
 * An unpark that comes first makes the next park return at once. t must be a task that has not
 * finished. gostack_park from a thread that is not a task fails the program. */
void gostack_park(void);
void gostack_unpark(gostack_task *task);

/* ---- Channels (Go's chan) -------------------------------------------------------------------- */

typedef struct gostack_chan gostack_chan;

/* A channel of elements of elem_size bytes (0 is allowed: pure signalling) with a buffer of
 * `capacity` elements (0: unbuffered, every send waits for its receiver). */
gostack_chan *gostack_chan_make(size_t elem_size, size_t capacity);

/* Frees a channel no task uses any more (none blocked on it, none about to use it). */
void gostack_chan_free(gostack_chan *ch);

/* Sends *elem (copied). Blocks until a receiver took it or it is buffered. Returns true, or
 * false when the channel is closed (Go panics there; C callers get the error). */
bool gostack_chan_send(gostack_chan *ch, const void *elem);

/* Receives into *out (may be NULL to discard). Returns true with a value, or false when the
 * channel is closed and drained (then *out is zeroed). */
bool gostack_chan_recv(gostack_chan *ch, void *out);

/* Closes the channel: blocked receivers get false, blocked senders get false. Closing twice is a
 * gostack fatal error, as in Go. */
void gostack_chan_close(gostack_chan *ch);

/* Elements buffered now, and the capacity. */
size_t gostack_chan_len(gostack_chan *ch);
size_t gostack_chan_cap(gostack_chan *ch);

enum { GOSTACK_SELECT_SEND = 1, GOSTACK_SELECT_RECV = 2 };

typedef struct gostack_select_case {
  gostack_chan *chan; /* NULL: the case never fires (Go's nil channel) */
  int dir;            /* GOSTACK_SELECT_SEND or GOSTACK_SELECT_RECV */
  void *elem;         /* send: the value; recv: where to store it (may be NULL) */
  bool ok;            /* recv: set to true for a value, false for closed and drained */
} gostack_select_case;

/* Waits until one of the cases can proceed, performs it and returns its index. When several can,
 * one is chosen uniformly at random (Go's select). With block == false, returns -1 at once when
 * none can (Go's default case). A send case on a closed channel fires and returns its index with
 * ok = false. */
int gostack_select(gostack_select_case *cases, size_t ncases, bool block);

/* ---- WaitGroup and Mutex --------------------------------------------------------------------- */

/* Zero-initialized (GOSTACK_WAITGROUP_INIT or memset 0) before first use; never copied after. */
typedef struct gostack_waitgroup {
  uint64_t opaque[4];
} gostack_waitgroup;
#define GOSTACK_WAITGROUP_INIT {{0, 0, 0, 0}}

/* Adds delta (may be negative) to the counter; a negative counter is a fatal error. When it
 * reaches zero, every waiter is released. */
void gostack_waitgroup_add(gostack_waitgroup *wg, int64_t delta);
void gostack_waitgroup_done(gostack_waitgroup *wg);
/* Blocks until the counter is zero. */
void gostack_waitgroup_wait(gostack_waitgroup *wg);

/* A mutual-exclusion lock for tasks: contended waiters park (no thread blocks). Zero-initialized
 * (GOSTACK_MUTEX_INIT or memset 0). Not recursive; unlocking an unlocked mutex is fatal. Any
 * task may unlock it (as in Go). */
typedef struct gostack_mutex {
  uint64_t opaque[4];
} gostack_mutex;
#define GOSTACK_MUTEX_INIT {{0, 0, 0, 0}}

void gostack_mutex_lock(gostack_mutex *mu);
bool gostack_mutex_trylock(gostack_mutex *mu);
void gostack_mutex_unlock(gostack_mutex *mu);

/* ---- Stack information ----------------------------------------------------------------------- */

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
  uint64_t shrinks;       /* moves that halved the stack (a parked task using < 1/4 of it) */
  uint64_t preemptions;   /* times the task was preempted after running > 10 ms */
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
