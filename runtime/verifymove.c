// GOSTACK_DEBUG=verifymove: the debug checks of a precise move (newstack.c calls
// gostack_verify_move after relocating, before freeing the old stack). docs/design.md,
// "Verifying moves".
//
// Two checks, neither of which can fire on a correct program:
//
//  * every word the maps and records describe -- the saved frame-pointer chain, the entry
//    arguments in __morestack's context, the recorded spill slots and va_list records -- must
//    no longer point into the old stack (this pass);
//  * every other use of the old stack must fault: stackalloc.c quarantines it (PROT_NONE, never
//    reused) and the SIGSEGV handler (signals.c) reports an access as a fatal error. A stale
//    pointer that is never used again (a dead spill slot, a callee-saved register that is no
//    longer live) is harmless and is not an error.
//
// Undescribed words that still hold old-stack addresses are therefore only counted; with
// GOSTACK_DEBUG=verifymove-all they are listed on stderr, to hunt for the origin of a fault.

#include "adjustframes.h"
#include "signals.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Added by the second relocation pass to described words that still point into the old stack:
// an old-stack address plus 2^62 is non-canonical, so no real pointer or likely integer has
// that value, and the tagged words can be found again by a scan.
#define STALE_TAG ((uintptr_t)1 << 62)

// verifymove-all lists at most this many undescribed words per move (then a count).
#define LIST_MAX 16

static uint64_t undescribed_total; // undescribed old-stack words seen by all moves so far

static bool list_all(void) {
  static int mode = -1; // moves run on one thread at a time per task; a race only re-reads env
  if (mode < 0) {
    const char *debug = getenv("GOSTACK_DEBUG");
    mode = debug && strstr(debug, "verifymove-all") ? 1 : 0;
  }
  return mode == 1;
}

static bool in_range(uintptr_t v, uintptr_t lo, uintptr_t hi) { return v - lo < hi - lo; }

// The frame holding the word at w: its return address and frame pointer, and its SP at the
// call, found by following the chain from the runtime's context as adjustframes.c does.
struct frame_of {
  uintptr_t ra, sp, fp;
  bool in_context; // w is in __morestack's (or the move point's) saved context
};

static struct frame_of find_frame(const gostack_move *mv, uintptr_t newsp, entry_kind kind,
                                  uintptr_t w) {
  struct frame_of f;
  if (kind == ENTRY_MORESTACK) {
    gostack_morestack_ctx *c = (gostack_morestack_ctx *)newsp;
    f.ra = c->f_ret, f.sp = (uintptr_t)(&c->f_ret + 1), f.fp = c->rbp;
  } else {
    gostack_allocstack_ctx *c = (gostack_allocstack_ctx *)newsp;
    f.ra = c->ret, f.sp = (uintptr_t)(&c->ret + 1), f.fp = c->rbp;
  }
  f.in_context = w < f.sp;
  while (w >= f.fp + 16 && in_range(f.fp, mv->new_lo, mv->new_hi) && !(f.fp & 7)) {
    uintptr_t *record = (uintptr_t *)f.fp;
    f.sp = f.fp + 16;
    f.ra = record[1];
    f.fp = record[0];
  }
  return f;
}

static _Noreturn void stale_described(const gostack_move *mv, uintptr_t newsp, entry_kind kind,
                                      uintptr_t w, uintptr_t value, const char *what) {
  struct frame_of f = find_frame(mv, newsp, kind, w);
  gostack_fatalf(f.ra, f.fp,
                 "verifymove: after moving task %llu from [%#lx, %#lx) to [%#lx, %#lx), %s at "
                 "%#lx (%s, %ld bytes above its SP) still points into the old stack: %#lx",
                 (unsigned long long)mv->task_id, (unsigned long)mv->old_lo,
                 (unsigned long)mv->old_hi, (unsigned long)mv->new_lo, (unsigned long)mv->new_hi,
                 what, (unsigned long)w,
                 f.in_context ? "in the runtime's saved context" : "in the frame below",
                 (long)(w - f.sp), (unsigned long)value);
}

// The saved frame-pointer chain, from the context's RBP up to the first value outside the new
// stack (the task's base frame ends it with 0 or a system-stack address).
static void check_fp_chain(const gostack_move *mv, uintptr_t newsp, entry_kind kind) {
  uintptr_t *rbp = kind == ENTRY_MORESTACK ? &((gostack_morestack_ctx *)newsp)->rbp
                                            : &((gostack_allocstack_ctx *)newsp)->rbp;
  for (uintptr_t *slot = rbp; !((uintptr_t)slot & 7);) {
    uintptr_t fp = *slot;
    if (in_range(fp, mv->old_lo, mv->old_hi))
      stale_described(mv, newsp, kind, (uintptr_t)slot, fp, "the saved frame pointer");
    if (!in_range(fp, mv->new_lo, mv->new_hi) || fp <= (uintptr_t)slot)
      return;
    slot = (uintptr_t *)fp;
  }
}

// Runs the precise relocation again over the moved stack with a delta that tags, instead of
// moves, whatever it would still adjust: the walk, the map decoding and the record formats
// stay adjustframes.c's alone. A correct first pass leaves nothing to tag, and then nothing
// is written.
static void check_described(const gostack_move *mv, uintptr_t newsp, entry_kind kind) {
  gostack_move_stats stats = {0, 0, 0};
  gostack_move again = *mv;
  again.delta = (intptr_t)STALE_TAG;
  again.stats = &stats;
  if (kind == ENTRY_MORESTACK) {
    gostack_morestack_ctx *c = (gostack_morestack_ctx *)newsp;
    gostack_adjust_entry(&again, c);
    gostack_adjust_frames(&again, c->f_ret, (uintptr_t)(&c->f_ret + 1), c->rbp);
  } else {
    gostack_allocstack_ctx *c = (gostack_allocstack_ctx *)newsp;
    gostack_adjust_frames(&again, c->ret, (uintptr_t)(&c->ret + 1), c->rbp);
  }
  if (stats.adjusted == 0)
    return;
  for (uintptr_t *w = (uintptr_t *)newsp; w < (uintptr_t *)mv->new_hi; w++)
    if (in_range(*w, mv->old_lo + STALE_TAG, mv->old_hi + STALE_TAG))
      stale_described(mv, newsp, kind, (uintptr_t)w, *w - STALE_TAG,
                      "a word the stack maps describe as a pointer");
  gostack_fatalf(0, 0,
                 "verifymove: after moving task %llu, %zu described words still point into the "
                 "old stack [%#lx, %#lx) but none is on the new one (an argument register?)",
                 (unsigned long long)mv->task_id, stats.adjusted, (unsigned long)mv->old_lo,
                 (unsigned long)mv->old_hi);
}

static void print_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void print_line(const char *fmt, ...) {
  char line[512]; // on the system stack: small, and write(2) rather than stdio (no locks)
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0)
    (void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void list_undescribed(const gostack_move *mv, uintptr_t newsp, entry_kind kind,
                             uintptr_t w) {
  struct frame_of f = find_frame(mv, newsp, kind, w);
  print_line("gostack: verifymove: task %llu moved [%#lx, %#lx) -> [%#lx, %#lx): word at %#lx "
             "(%s of return address %#lx, %ld bytes above its SP) = %#lx points into the old "
             "stack; not described by the stack maps (a dead value unless the quarantine "
             "faults)\n",
             (unsigned long long)mv->task_id, (unsigned long)mv->old_lo,
             (unsigned long)mv->old_hi, (unsigned long)mv->new_lo, (unsigned long)mv->new_hi,
             (unsigned long)w, f.in_context ? "saved context below the frame" : "frame",
             (unsigned long)f.ra, (long)(w - f.sp), (unsigned long)*(uintptr_t *)w);
}

void gostack_verify_move(const gostack_move *mv, uintptr_t newsp, entry_kind kind) {
  // The old stack is freed (quarantined) next: name its task in fault reports.
  gostack_stack_quarantine_owner(mv->old_lo, mv->old_hi, mv->task_id);
  check_fp_chain(mv, newsp, kind);
  check_described(mv, newsp, kind);
  bool list = list_all();
  size_t count = 0;
  for (uintptr_t *w = (uintptr_t *)newsp; w < (uintptr_t *)mv->new_hi; w++) {
    if (!in_range(*w, mv->old_lo, mv->old_hi))
      continue;
    if (list && count < LIST_MAX)
      list_undescribed(mv, newsp, kind, (uintptr_t)w);
    count++;
  }
  uint64_t total = __atomic_add_fetch(&undescribed_total, count, __ATOMIC_RELAXED);
  if (list && count)
    print_line("gostack: verifymove: task %llu: %zu undescribed old-stack words in this move, "
               "%llu in all moves so far\n",
               (unsigned long long)mv->task_id, count, (unsigned long long)total);
}
