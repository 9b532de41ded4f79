// Internal interfaces of the gostack runtime. Nothing here is API; see include/gostack/.
//
// The runtime is compiled WITHOUT the gostack plugin: its functions have no prologue check and
// run either on the thread's system stack or in the reserve below a task's guard.
#ifndef GOSTACK_RUNTIME_INTERNAL_H
#define GOSTACK_RUNTIME_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- Constants (docs/design.md, "Stack layout") ------------------------------------------------

// Every task starts here; GOSTACK_STACK_MIN in the environment may raise it. Go's stackMin.
#define GOSTACK_STACK_MIN 2048u

// Bytes between stack.lo and the guard a prologue compares SP against. It must hold, below any
// SP that passed a check: the 256-byte small-frame shortcut of LLVM's split-stack check, one
// unchecked variadic entry frame (<= 224 B, see plugin/VariadicOutlining.cpp), the register
// context __morestack pushes (256 B) and slack. Go uses 928 on linux/amd64; so do we.
#define GOSTACK_STACK_GUARD 928u

// Bytes kept unused at the top of every stack: no object's one-past-the-end address can equal
// stack.hi, so "pointer in [lo, hi)" is exactly "pointer into this stack" (relocation relies on
// it). 16 keeps the initial SP 16-byte aligned.
#define GOSTACK_STACK_TOP_PAD 16u

// Written at stack.lo when a stack is handed out and checked on every move and switch: a task
// that ran past its reserve (uninstrumented code, a missed check) is reported, not ignored.
#define GOSTACK_STACK_CANARY ((uintptr_t)0x60574ac4c0ffee11ull)

// Guard value that fails every check (Go's stackPreempt). The prologue compares SP with it
// unsigned, the dynamic-alloca check (X86 SEG_ALLOCA) compares the new SP with it *signed*: it
// must be above every user-space address both ways, hence just below INT64_MAX.
// Used by GOSTACK_MOVESTACK=1 (and later preemption) to enter the runtime at the next check.
#define GOSTACK_GUARD_POISON ((uintptr_t)0x7ffffffffffffadeull)

// Default hard limit on one task's stack; GOSTACK_MAXSTACK overrides. Go's maxstacksize.
#define GOSTACK_MAXSTACK_DEFAULT ((size_t)1 << 30)

// Stack that instrumented callbacks leave free, below their frames, for the uninstrumented code
// they call when they run on the system stack or a linked segment (docs/design.md, "Foreign
// calls"). glibc lets alloca-based paths use up to 64 KB (__MAX_ALLOCA_CUTOFF) and
// getaddrinfo/printf need several KB more on top; GOSTACK_FOREIGN_RESERVE overrides.
#define GOSTACK_FOREIGN_RESERVE_DEFAULT ((size_t)128 << 10)

// ---- Stacks (stackalloc.c) ----------------------------------------------------------------------

typedef struct gostack_stack {
  uintptr_t lo; // lowest usable byte
  uintptr_t hi; // one past the highest byte
} gostack_stack;

// Smallest size class (a power of two >= GOSTACK_STACK_MIN) that holds n bytes; 0 when n is
// beyond what can be represented.
size_t gostack_stack_class(size_t n);

// Allocates a stack of exactly `size` bytes (size must be a power of two >= GOSTACK_STACK_MIN).
// Small classes come from per-class free lists carved out of larger mappings; large ones are
// mmapped (and cached a little). Never returns on failure: gostack_fatalf with the size.
gostack_stack gostack_stackalloc(size_t size);

// Returns a stack obtained from gostack_stackalloc. Its memory may be reused at once.
void gostack_stackfree(gostack_stack s);

// Per-thread stack cache (scheduler threads): after gostack_stackcache_enable, small stacks are
// taken from and returned to a cache of the calling thread's own, without the lock.
// gostack_stackalloc_cached returns a cached stack or {0, 0}: it never locks, maps or fails, so
// it may run on a task's guard reserve.
void gostack_stackcache_enable(void);
gostack_stack gostack_stackalloc_cached(size_t size);

// Counters for tests and the benchmarks.
typedef struct gostack_stackalloc_stats {
  size_t allocs;        // successful gostack_stackalloc calls
  size_t frees;         // gostack_stackfree calls
  size_t pool_hits;     // allocations served from a free list without a new mapping
  size_t mapped_bytes;  // bytes currently mapped for stacks (pools + large)
  size_t inuse_bytes;   // bytes currently handed out
} gostack_stackalloc_stats;
void gostack_stackalloc_get_stats(gostack_stackalloc_stats *out);

// ---- Fatal errors (fatal.c) ---------------------------------------------------------------------

// Prints "gostack: fatal: <message>" to stderr, then a symbolized backtrace that starts at
// (pc, fp) and follows the frame-pointer chain, then the runtime's own backtrace; exits with
// status 2. pc/fp may be 0 to start at the caller. Safe on the system stack; uses no locks that
// user code may hold except the symbolizer's fork.
__attribute__((noreturn)) void gostack_fatalf(uintptr_t pc, uintptr_t fp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

// Records where the running task entered the runtime (pc in the function, its return address
// when it has no frame record yet, the frame pointer), for fatal errors raised with pc = fp = 0
// below; (0, 0, 0) clears it.
void gostack_fatal_set_entry(uintptr_t pc, uintptr_t ret, uintptr_t fp);

// Writes a backtrace (one line per frame: #n 0xPC in symbol+off (module) file:line) to fd.
void gostack_print_backtrace(int fd, uintptr_t pc, uintptr_t fp);

// ---- Relocation (relocate.c) --------------------------------------------------------------------

// Conservative relocation: adds delta to every aligned 8-byte word in [begin, end) whose value
// lies in [old_lo, old_hi). Returns how many words it changed. docs/design.md, "The relocation invariant".
size_t gostack_relocate_conservative(uintptr_t *begin, uintptr_t *end, uintptr_t old_lo,
                                     uintptr_t old_hi, intptr_t delta);

// ---- Environment (env.c) ------------------------------------------------------------------------

// Parses a size such as "2048", "64k", "1M", "1G" (case-insensitive, optional trailing "B").
// Returns 0 and leaves *out untouched on malformed input.
int gostack_parse_size(const char *s, size_t *out);

#ifdef __cplusplus
}
#endif

#endif // GOSTACK_RUNTIME_INTERNAL_H
