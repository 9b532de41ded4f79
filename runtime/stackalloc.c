// Stack allocator: power-of-two size classes from GOSTACK_STACK_MIN (Go's stackalloc/stackfree).
//
// Small classes come from per-class LIFO free lists carved out of chunk mappings that are never
// returned to the kernel (Go's stackpool); large stacks are mmapped one by one, with a small
// bounded cache. Self-contained on mmap: no malloc, so it works whatever state the C heap is in.
//
// Thread safety: one mutex guards the pools, the large cache and the counters; large stacks are
// mapped and unmapped outside it. Scheduler threads also keep a small lock-free cache each.
//
// GOSTACK_DEBUG=verifymove quarantines instead (docs/design.md, "Verifying moves"): every stack
// is its own mapping, and a freed one becomes PROT_NONE for good, so a pointer a move missed
// faults at its first use instead of silently reading a reused stack.
#include "internal.h"
#include "signals.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

// Largest pooled class. Go pools stacks below 32 KB; we include 32 KB itself because a chunk
// still carves 8 of them, and above it the mmap/munmap pair (a few microseconds) is small next to
// the work that filled a stack that large (the copy on growth, the frames themselves).
#define STACK_POOL_MAX ((size_t)32 << 10)

// Pool chunk mapping: one mmap serves 128 2-KB stacks; a multiple of every pooled class so
// carving wastes nothing. Stacks are carved on demand, so untouched parts cost no memory.
#define STACK_POOL_CHUNK ((size_t)256 << 10)

// Classes 2K, 4K, 8K, 16K, 32K.
#define STACK_MIN_SHIFT 11
#define STACK_POOL_CLASSES 5

// Large-stack cache: growth frees the old stack right after allocating the next, so a program
// that grows many tasks the same way maps and unmaps the same sizes over and over, and faults
// every page in again (perf: half of a fresh 1 MB growth was page faults and unmapping). Keep
// freed stacks of at most LARGE_CACHE_MAX_STACK bytes, LARGE_CACHE_BYTES of them in all, the
// oldest evicted first: their touched pages stay resident, so this bounds the extra RSS at
// 16 MB (Go keeps freed stacks until its GC scavenges them).
#define LARGE_CACHE_SLOTS 32
#define LARGE_CACHE_MAX_STACK ((size_t)4 << 20)
#define LARGE_CACHE_BYTES ((size_t)16 << 20)

// Stacks are page aligned when at least a page big (mmap and carving in class-size steps from a
// page-aligned chunk); used to reject obviously bogus frees.
#define STACK_PAGE 4096u

// MAP_NORESERVE: stacks are mostly untouched reservation; do not charge swap for all of it.
#define STACK_MMAP_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE)

// A free pooled stack stores the list link in its first word (the canary slot; rewritten on
// allocation).
struct free_stack {
  struct free_stack *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pool {
  struct free_stack *free; // LIFO of returned stacks
  char *carve, *carve_end; // the newest chunk's part not handed out yet
} pools[STACK_POOL_CLASSES];
static gostack_stack large_cache[LARGE_CACHE_SLOTS]; // oldest first
static size_t large_cached, large_cached_bytes;
static gostack_stackalloc_stats stats;
// Atomic: the per-thread caches below update the counters without the lock.
#define STAT_ADD(field, n) __atomic_add_fetch(&stats.field, (n), __ATOMIC_RELAXED)
#define STAT_SUB(field, n) __atomic_sub_fetch(&stats.field, (n), __ATOMIC_RELAXED)

// ---- Quarantine (GOSTACK_DEBUG=verifymove) ------------------------------------------------------

// -1 until the first allocation decides; never changes afterwards, because a stack freed in one
// mode must have been allocated in the same one (a pooled stack shares its pages).
static int quarantine_mode = -1;

// Record of every quarantined stack, for the fault handler's report. A NORESERVE reservation
// made once and never moved or unmapped, so the handler can read it without a lock while
// another thread appends; entries are published by the release store of qlog_len. 1 GB of
// address space holds 44 million records; beyond that stacks are still quarantined, just not
// named in reports.
#define QLOG_BYTES ((size_t)1 << 30)
static gostack_quarantined *qlog;
static size_t qlog_len;

// Set by verifymove.c right before copystack frees a task's old stack.
static __thread gostack_quarantined owner_hint;

bool gostack_stack_quarantine_enabled(void) {
  int mode = __atomic_load_n(&quarantine_mode, __ATOMIC_ACQUIRE);
  if (mode < 0) {
    // getenv, not the runtime's parsed configuration: stacks are allocated (pinned chunks of
    // instrumented constructors) before gostack_runtime_init runs. Same test as task.c's.
    const char *debug = getenv("GOSTACK_DEBUG");
    int want = debug && strstr(debug, "verifymove") ? 1 : 0;
    // Racing first allocations compute the same answer; the first store wins either way.
    __atomic_compare_exchange_n(&quarantine_mode, &mode, want, false, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
    mode = __atomic_load_n(&quarantine_mode, __ATOMIC_ACQUIRE);
  }
  return mode == 1;
}

void gostack_stack_quarantine_owner(uintptr_t lo, uintptr_t hi, uint64_t task_id) {
  owner_hint = (gostack_quarantined){lo, hi, task_id};
}

// The mapping that holds a quarantine-mode stack: at least a page, ending at hi.
static size_t quarantine_map_size(size_t size) { return size < STACK_PAGE ? STACK_PAGE : size; }

bool gostack_stack_quarantine_find(uintptr_t addr, gostack_quarantined *out) {
  size_t n = __atomic_load_n(&qlog_len, __ATOMIC_ACQUIRE);
  // Newest first: a stale pointer is most likely into a recently moved stack.
  for (size_t i = n; i-- > 0;) {
    gostack_quarantined q = qlog[i];
    if (addr < q.hi && addr >= q.hi - quarantine_map_size(q.hi - q.lo)) {
      *out = q;
      return true;
    }
  }
  return false;
}

// Called with the lock held.
static void quarantine_record(gostack_stack s) {
  if (!qlog) {
    void *p = mmap(NULL, QLOG_BYTES, PROT_READ | PROT_WRITE, STACK_MMAP_FLAGS, -1, 0);
    if (p == MAP_FAILED)
      return; // quarantine still works; reports just cannot name the stack
    qlog = p;
  }
  size_t n = qlog_len;
  if (n >= QLOG_BYTES / sizeof *qlog)
    return;
  uint64_t owner = owner_hint.lo == s.lo && owner_hint.hi == s.hi ? owner_hint.task_id : 0;
  qlog[n] = (gostack_quarantined){s.lo, s.hi, owner};
  __atomic_store_n(&qlog_len, n + 1, __ATOMIC_RELEASE);
}

static bool is_pow2(size_t n) { return n != 0 && (n & (n - 1)) == 0; }

// Pool index of a pooled size (a power of two in [2K, 32K]).
static unsigned pool_index(size_t size) {
  return (unsigned)(__builtin_ctzll(size) - STACK_MIN_SHIFT);
}

size_t gostack_stack_class(size_t n) {
  // Round up to a power of two, never below the minimum; 0 when that overflows size_t.
  if (n <= GOSTACK_STACK_MIN)
    return GOSTACK_STACK_MIN;
  if (n > ((size_t)1 << (sizeof(size_t) * 8 - 1)))
    return 0;
  return (size_t)1 << (sizeof(size_t) * 8 - (size_t)__builtin_clzll(n - 1));
}

// Maps fresh stack memory or dies: a task without a stack cannot continue (Go throws too).
__attribute__((weak)) void gostack_describe_current_task(char *buf, size_t n);

static void *map_or_die(size_t bytes, size_t stack_size) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, STACK_MMAP_FLAGS, -1, 0);
  if (p == MAP_FAILED) {
    int e = errno;
    const char *name = strerrorname_np(e); // static string, no locale or malloc
    // The task that asked, when there is one (task.c; absent when stackalloc is linked alone,
    // as in its unit test). The backtrace shows its frames: newstack.c records where it entered.
    char who[160] = "no task running";
    if (gostack_describe_current_task)
      gostack_describe_current_task(who, sizeof who);
    gostack_fatalf(0, 0,
                   "stackalloc: out of memory allocating a %zu-byte stack for %s (errno %d, %s)",
                   stack_size, who, e, name ? name : "?");
  }
  return p;
}

static void validate_size(size_t size) {
  // A wrong size is a runtime bug; continuing would corrupt a free list or leak a mapping.
  if (!is_pow2(size) || size < GOSTACK_STACK_MIN)
    gostack_fatalf(0, 0, "stackalloc: invalid stack size %zu (must be a power of two >= %u)",
                   size, GOSTACK_STACK_MIN);
}

// Makes the stack usable: canary at lo (checked on moves and switches), counters.
// Called with the lock held.
static gostack_stack hand_out(uintptr_t lo, size_t size, bool reused) {
  *(uintptr_t *)lo = GOSTACK_STACK_CANARY;
  STAT_ADD(allocs, 1);
  STAT_ADD(inuse_bytes, size);
  if (reused)
    STAT_ADD(pool_hits, 1);
  return (gostack_stack){lo, lo + size};
}

// Pooled class: pop the free list (LIFO keeps recently used, cache-warm stacks in play), else
// carve the next stack from the class's current chunk, else map a new chunk. Carving lazily
// touches no page before it is handed out. The chunk is mapped under the lock: once per 256 KB,
// and it spares us duplicate chunks from racing refills.
static gostack_stack alloc_pooled_locked(size_t size) {
  struct pool *pl = &pools[pool_index(size)];
  struct free_stack *f = pl->free;
  if (f) {
    pl->free = f->next;
    return hand_out((uintptr_t)f, size, true);
  }
  if (pl->carve == pl->carve_end) {
    pl->carve = map_or_die(STACK_POOL_CHUNK, size); // never unmapped
    pl->carve_end = pl->carve + STACK_POOL_CHUNK;
    STAT_ADD(mapped_bytes, STACK_POOL_CHUNK);
  }
  uintptr_t lo = (uintptr_t)pl->carve;
  pl->carve += size;
  return hand_out(lo, size, false);
}

static gostack_stack alloc_pooled(size_t size) {
  pthread_mutex_lock(&lock);
  gostack_stack s = alloc_pooled_locked(size);
  pthread_mutex_unlock(&lock);
  return s;
}

// Large class: newest cached stack of exactly this size, else a fresh mapping.
static gostack_stack alloc_large(size_t size) {
  pthread_mutex_lock(&lock);
  for (size_t i = large_cached; i-- > 0;) {
    if (large_cache[i].hi - large_cache[i].lo != size)
      continue;
    uintptr_t lo = large_cache[i].lo;
    large_cached_bytes -= size;
    for (large_cached--; i < large_cached; i++) // keep the rest in age order
      large_cache[i] = large_cache[i + 1];
    gostack_stack s = hand_out(lo, size, true);
    pthread_mutex_unlock(&lock);
    return s;
  }
  pthread_mutex_unlock(&lock);
  uintptr_t lo = (uintptr_t)map_or_die(size, size);
  pthread_mutex_lock(&lock);
  STAT_ADD(mapped_bytes, size);
  gostack_stack s = hand_out(lo, size, false);
  pthread_mutex_unlock(&lock);
  return s;
}

// Quarantine mode: a mapping of its own per stack, hi at its end (so the whole mapping can be
// replaced when the stack is freed without touching a neighbour).
static gostack_stack alloc_quarantine_mode(size_t size) {
  size_t map = quarantine_map_size(size);
  uintptr_t base = (uintptr_t)map_or_die(map, size);
  pthread_mutex_lock(&lock);
  STAT_ADD(mapped_bytes, map);
  gostack_stack s = hand_out(base + map - size, size, false);
  pthread_mutex_unlock(&lock);
  return s;
}

// ---- Per-thread caches of pooled stacks (Go's per-P stackcache) ---------------------------------
//
// Scheduler threads (each runs one P for good, sched.c) enable a cache of their own: spawning
// and finishing a task then takes and returns its stack without the lock. Refills and flushes
// move STACK_CACHE_BATCH stacks under one lock acquisition. Stacks in a cache count as free in
// the statistics. Never in quarantine mode, whose stacks are each their own mapping.
#define STACK_CACHE_MAX 32u
#define STACK_CACHE_BATCH 16u

static __thread struct stack_cache {
  bool enabled;
  uint32_t n[STACK_POOL_CLASSES];
  uintptr_t lo[STACK_POOL_CLASSES][STACK_CACHE_MAX];
} cache __attribute__((tls_model("initial-exec")));

void gostack_stackcache_enable(void) { cache.enabled = !gostack_stack_quarantine_enabled(); }

gostack_stack gostack_stackalloc_cached(size_t size) {
  if (!cache.enabled || size > STACK_POOL_MAX || !is_pow2(size) || size < GOSTACK_STACK_MIN)
    return (gostack_stack){0, 0};
  size_t c = pool_index(size);
  if (cache.n[c] == 0)
    return (gostack_stack){0, 0};
  uintptr_t lo = cache.lo[c][--cache.n[c]];
  *(uintptr_t *)lo = GOSTACK_STACK_CANARY;
  STAT_ADD(allocs, 1);
  STAT_ADD(pool_hits, 1);
  STAT_ADD(inuse_bytes, size);
  return (gostack_stack){lo, lo + size};
}

static void cache_refill(size_t size) {
  size_t c = pool_index(size);
  pthread_mutex_lock(&lock);
  while (cache.n[c] < STACK_CACHE_BATCH)
    cache.lo[c][cache.n[c]++] = alloc_pooled_locked(size).lo;
  STAT_SUB(allocs, STACK_CACHE_BATCH); // counted when taken from the cache
  STAT_SUB(inuse_bytes, STACK_CACHE_BATCH * size);
  pthread_mutex_unlock(&lock);
}

static void cache_flush(size_t size) {
  size_t c = pool_index(size);
  struct pool *pl = &pools[c];
  pthread_mutex_lock(&lock);
  while (cache.n[c] > STACK_CACHE_MAX - STACK_CACHE_BATCH) {
    struct free_stack *f = (struct free_stack *)cache.lo[c][--cache.n[c]];
    f->next = pl->free;
    pl->free = f;
  }
  pthread_mutex_unlock(&lock);
}

gostack_stack gostack_stackalloc(size_t size) {
  validate_size(size);
  if (gostack_stack_quarantine_enabled())
    return alloc_quarantine_mode(size);
  if (size > STACK_POOL_MAX)
    return alloc_large(size);
  if (cache.enabled) {
    gostack_stack s = gostack_stackalloc_cached(size);
    if (s.lo)
      return s;
    cache_refill(size);
    return gostack_stackalloc_cached(size);
  }
  return alloc_pooled(size);
}

// Replaces the stack's mapping with an inaccessible one at the same address: the memory goes
// back to the kernel, the addresses are never handed out again, and every access faults
// (the SIGSEGV handler in signals.c names the stack).
static void free_quarantine_mode(gostack_stack s) {
  size_t size = s.hi - s.lo, map = quarantine_map_size(size);
  if (s.hi & (STACK_PAGE - 1))
    gostack_fatalf(0, 0, "stackfree: stack [0x%lx, 0x%lx) was not allocated in quarantine mode",
                   (unsigned long)s.lo, (unsigned long)s.hi);
  if (mmap((void *)(s.hi - map), map, PROT_NONE,
           MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) == MAP_FAILED) {
    int e = errno;
    const char *name = strerrorname_np(e);
    gostack_fatalf(0, 0, "stackfree: cannot quarantine stack [0x%lx, 0x%lx) (errno %d, %s)",
                   (unsigned long)s.lo, (unsigned long)s.hi, e, name ? name : "?");
  }
  pthread_mutex_lock(&lock);
  STAT_ADD(frees, 1);
  STAT_SUB(inuse_bytes, size);
  STAT_SUB(mapped_bytes, map);
  quarantine_record(s);
  pthread_mutex_unlock(&lock);
}

void gostack_stackfree(gostack_stack s) {
  // Reject what gostack_stackalloc can never have returned: a double-decoded or stale record
  // would otherwise poison a free list.
  size_t size = s.hi - s.lo;
  size_t align = size < STACK_PAGE ? size : STACK_PAGE;
  if (s.lo == 0 || s.hi <= s.lo || !is_pow2(size) || size < GOSTACK_STACK_MIN ||
      (s.lo & (align - 1)) != 0)
    gostack_fatalf(0, 0, "stackfree: invalid stack [0x%lx, 0x%lx)", (unsigned long)s.lo,
                   (unsigned long)s.hi);
  if (gostack_stack_quarantine_enabled()) {
    free_quarantine_mode(s);
    return;
  }

  if (size <= STACK_POOL_MAX && cache.enabled) {
    size_t c = pool_index(size);
    if (cache.n[c] == STACK_CACHE_MAX)
      cache_flush(size);
    cache.lo[c][cache.n[c]++] = s.lo;
    STAT_ADD(frees, 1);
    STAT_SUB(inuse_bytes, size);
    return;
  }
  pthread_mutex_lock(&lock);
  STAT_ADD(frees, 1);
  STAT_SUB(inuse_bytes, size);
  if (size <= STACK_POOL_MAX) {
    struct free_stack *f = (struct free_stack *)s.lo;
    f->next = pools[pool_index(size)].free;
    pools[pool_index(size)].free = f;
    pthread_mutex_unlock(&lock);
    return;
  }
  if (size <= LARGE_CACHE_MAX_STACK) {
    // Make room by evicting the oldest; they are unmapped after the lock is released.
    gostack_stack evicted[LARGE_CACHE_SLOTS];
    size_t nevicted = 0;
    while (large_cached == LARGE_CACHE_SLOTS || large_cached_bytes + size > LARGE_CACHE_BYTES) {
      gostack_stack old = large_cache[0];
      large_cached_bytes -= old.hi - old.lo;
      STAT_SUB(mapped_bytes, old.hi - old.lo);
      for (size_t i = 1; i < large_cached; i++)
        large_cache[i - 1] = large_cache[i];
      large_cached--;
      evicted[nevicted++] = old;
    }
    large_cache[large_cached++] = s;
    large_cached_bytes += size;
    pthread_mutex_unlock(&lock);
    for (size_t i = 0; i < nevicted; i++)
      munmap((void *)evicted[i].lo, evicted[i].hi - evicted[i].lo);
    return;
  }
  STAT_SUB(mapped_bytes, size);
  pthread_mutex_unlock(&lock);
  munmap((void *)s.lo, size); // cannot fail for a range we mapped whole
}

void gostack_stackalloc_get_stats(gostack_stackalloc_stats *out) {
  // Copy under the lock so the counters are mutually consistent.
  pthread_mutex_lock(&lock);
  *out = stats;
  pthread_mutex_unlock(&lock);
}
