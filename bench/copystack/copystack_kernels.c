/* bench/copystack/copystack_kernels.c: the stack that bench/copystack moves, and the moves.
 *
 * Compiled with gostack-clang -O2 (stack maps: the default), linked with the Google Benchmark
 * harness copystack_bench.cpp (plain clang++-19, which owns main). copystack_kernels.h says what
 * each entry point does.
 *
 * The stack: a recursion through four functions whose frames are 80, 128, 192 and 256 bytes,
 * the next one picked by a hash of the depth (so consecutive frames mostly differ, as in
 * a parser or an interpreter, not a single self-recursive function). Every frame keeps three
 * pointers into the moving stack live across its call -- the fill state in the driver's frame,
 * a word of its caller's frame, the address of its own array -- so a move relocates real spill
 * slots in every frame, plus the saved frame pointer.
 *
 * The move: gostack_request_move (runtime/newstack.c) makes the next prologue check fail, and
 * move_point's check then goes through __morestack -> newstack -> copystack, exactly as a growth
 * does (allocate, copy, relocate, free the old stack). */
#define _POSIX_C_SOURCE 200809L
#include <gostack/gostack.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "copystack_kernels.h"

/* runtime/newstack.c (runtime-internal, declared in runtime/adjustframes.h). */
void gostack_request_move(size_t size);

/* Where the fill stops: this many bytes below the top of the stack. A same-size move needs the
 * guard reserve (928) and a growth's slack (256) free below __morestack's context, or it grows
 * instead; the rest covers the context (256), bottom's frame and how far the last level may go
 * past the mark (up to one frame, about 310 bytes). The harness checks that no move grew. */
#define CK_HEADROOM 2304u

/* __morestack's register context (runtime/task.h, gostack_morestack_ctx): 8 XMM registers,
 * 15 general registers and the return address into the checked function. The move copies it
 * along with the frames. */
#define CK_MORESTACK_CTX 256u

/* The thread's CPU time (page faults included): on a shared machine, wall time would add
 * whatever time the thread waited for a CPU. copystack_bench.cpp times memcpy the same way. */
static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The driver's state, in the driver's frame: every level gets a pointer to it. */
struct fill {
  size_t target; /* stop recursing once this many bytes of stack are used */
  size_t size;
  long moves;
  ck_kind kind;
  uint64_t ns;
  size_t bytes, frames, start_size, end_size;
  uint64_t discarded, preemptions;
  uint64_t sum;
};

/* The monitor preempts a task that has run 10 ms without its processor scheduling anything
 * else (runtime/monitor.c); the preemption would come at a prologue check, ask for more room
 * than a full stack has and grow it, or add a yield to a timed move. So the driver lets the
 * scheduler run another (empty) task every millisecond or so, outside the timed parts. */
static void nothing(void *arg) { (void)arg; }

__attribute__((noinline)) static void reset_preemption_clock(void) {
  gostack_go(nothing, NULL);
  gostack_yield();
}

/* The move point: an instrumented function with a frame and nothing else. Its prologue check
 * is where the requested move happens. */
__attribute__((noinline)) static void move_point(void) { __asm__ volatile(""); }

/* The same frame as move_point; returns its frame pointer, so the caller learns the SP
 * move_point's check sees (frame pointer + 8). */
__attribute__((noinline)) static uintptr_t probe_fp(void) {
  __asm__ volatile("");
  return (uintptr_t)__builtin_frame_address(0);
}

/* Whether the caller's stack use has reached `target` bytes (its own frame not counted). */
__attribute__((noinline)) static int full(size_t target) {
  gostack_stack_info info;
  gostack_stack_info_get(&info);
  return info.hi - (uintptr_t)__builtin_frame_address(0) >= target;
}

/* The running task's stack size and preemption count. */
__attribute__((noinline)) static void stack_now(size_t *size, uint64_t *preemptions) {
  gostack_stack_info info;
  gostack_stack_info_get(&info);
  *size = info.size;
  *preemptions = info.preemptions;
}

/* Back to a stack of `size` bytes if something grew it (untimed). A preemption that comes with
 * the request asks for more room than `size` leaves: then once more. */
__attribute__((noinline)) static void restore(size_t size) {
  for (int tries = 0; tries < 100; tries++) {
    size_t now;
    uint64_t preemptions;
    stack_now(&now, &preemptions);
    if (now == size)
      return;
    reset_preemption_clock();
    gostack_request_move(size);
    move_point();
  }
}

/* A preemption may still hit a timed run when the machine is loaded (the monitor's clock is
 * wall time): such a run, or one that grew the stack, is discarded and run again. */
#define CK_MAX_DISCARDS 1000

__attribute__((noinline)) static uint64_t bottom(struct fill *f, uint64_t *up, unsigned d) {
  f->frames = (size_t)d + 2; /* the levels, bottom and the driver: the frames a move walks */
  restore(f->size);          /* a preemption during the fill may have grown the stack */
  gostack_stack_info info;
  gostack_stack_info_get(&info);
  f->bytes = info.hi - (probe_fp() + 8) + CK_MORESTACK_CTX;
  f->start_size = info.size;
  /* Moves per timed run: about 1 MB moved (warm), one growth (cold). */
  long per = f->kind == CK_WARM ? (long)((1u << 20) / f->size) : 1;
  per = per < 1 ? 1 : per;
  uint64_t ns = 0;
  for (long done = 0; done < f->moves && f->discarded <= CK_MAX_DISCARDS;) {
    reset_preemption_clock();
    long n = f->moves - done < per ? f->moves - done : per;
    if (f->kind == CK_COLD)
      ck_make_next_stack_cold(2 * f->size);
    size_t size;
    uint64_t p0, p1;
    stack_now(&size, &p0);
    uint64_t t0 = now_ns();
    for (long k = 0; k < n; k++) {
      gostack_request_move(f->kind == CK_WARM ? 0 : 2 * f->size);
      move_point();
    }
    uint64_t t = now_ns() - t0;
    stack_now(&size, &p1);
    if (p1 != p0 || size != (f->kind == CK_WARM ? f->size : 2 * f->size)) {
      f->discarded++;
      restore(f->size);
      continue;
    }
    if (f->kind == CK_COLD)
      restore(f->size); /* back, untimed: the stack the growth freed, warm */
    ns += t;
    done += n;
  }
  f->ns = ns;
  stack_now(&f->end_size, &f->preemptions);
  return *up + d;
}

static uint64_t lv64(struct fill *f, uint64_t *up, unsigned d);
static uint64_t lv128(struct fill *f, uint64_t *up, unsigned d);
static uint64_t lv192(struct fill *f, uint64_t *up, unsigned d);
static uint64_t lv256(struct fill *f, uint64_t *up, unsigned d);

/* The next level: the bottom once the stack is full, else one of the four by a hash of d. */
__attribute__((always_inline)) static inline uint64_t descend(struct fill *f, uint64_t *up,
                                                              unsigned d) {
  if ((d & 511) == 511) /* about every 100 KB of stack */
    reset_preemption_clock();
  if (full(f->target))
    return bottom(f, up, d);
  switch ((d * 0x9e3779b9u) >> 30) {
  case 0:
    return lv64(f, up, d);
  case 1:
    return lv128(f, up, d);
  case 2:
    return lv192(f, up, d);
  default:
    return lv256(f, up, d);
  }
}

/* One level: an array of WORDS words that stays in memory (indexed at run time) and on the
 * moving stack (its address goes only to other levels, which do not capture it). */
#define LEVEL(name, WORDS)                                                                       \
  __attribute__((noinline)) static uint64_t name(struct fill *f, uint64_t *up, unsigned d) {   \
    uint64_t loc[WORDS];                                                                         \
    for (unsigned i = 0; i < (WORDS); i++)                                                       \
      loc[i] = *up + i * (uint64_t)d;                                                            \
    uint64_t r = descend(f, &loc[d % (WORDS)], d + 1);                                          \
    *up ^= r;                                                                                    \
    f->sum += r;                                                                                 \
    return r + loc[r % (WORDS)];                                                                 \
  }

/* Frames of 80, 128, 192 and 256 bytes at -O2: the array, three spill slots, two saved
 * registers, the frame record and the return address (bench/copystack/run reports them). */
LEVEL(lv64, 3)
LEVEL(lv128, 9)
LEVEL(lv192, 17)
LEVEL(lv256, 25)

struct job {
  size_t stack_size;
  long moves;
  ck_kind kind;
  ck_result *out;
};

static void *driver(void *p) {
  struct job *j = p;
  struct fill f = {.target = j->stack_size - CK_HEADROOM, .size = j->stack_size,
                   .moves = j->moves, .kind = j->kind};
  uint64_t top = 1;
  uint64_t r = lv64(&f, &top, 0);
  gostack_stack_info info;
  gostack_stack_info_get(&info);
  *j->out = (ck_result){f.ns,         f.bytes,     f.frames,      f.start_size, f.end_size,
                        f.discarded, f.preemptions, info.moves, r + f.sum + top};
  return NULL;
}

void ck_move(size_t stack_size, long moves, ck_kind kind, ck_result *out) {
  struct job j = {stack_size, moves, kind, out};
  gostack_join(gostack_spawn(driver, &j));
}
