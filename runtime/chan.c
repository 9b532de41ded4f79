// Channels and select (include/gostack/gostack.h), after Go's runtime/chan.go and select.go.
// docs/design.md, "Channels and select", has the model.
//
// A channel is one gostack_lock, a ring buffer, a closed flag and two wait queues (receivers
// and senders blocked on it). A blocked operation puts a waiter on its queue and parks with a
// commit step that releases the channel lock; whoever takes the waiter off the queue finishes
// the operation for it under the lock (copying the element directly between the two parties'
// buffers, Go's sendDirect/recvDirect), releases the lock and only then calls gostack_ready.
//
// Waiters (Go's sudog) live on the blocked caller's stack: a stack moves only at an
// instrumented function entry, never while its task is inside the runtime, so a parked task's
// waiters stay put. A waiter is split in two: a queue node per channel the caller waits on
// (chan_waiter) and one owner per blocked call (chan_owner: the task, the cases, and the
// `done` word). A select has one node per case and one owner; whoever dequeues a node claims
// the owner with a CAS on `done` (0 -> winning case + 1), and a node whose owner is already
// claimed is dropped from the queue (Go's selectDone). Plain send/recv use the same layout
// with a single case, so the wakers' code is the same for both.
//
// Stack budget: every public function here runs in the calling task's guard reserve
// (runtime/scheduler.h). Frames stay small; malloc, free and fatal errors go through
// __gostack_systemstack_call; a select with more than SELECT_STACK_CASES cases takes its
// per-case scratch from the heap.

#include "scheduler.h"

#include "gostack/gostack.h"

#include <stdlib.h>
#include <string.h>

typedef struct chan_waiter chan_waiter;
typedef struct chan_owner chan_owner;

// One queue entry: a blocked operation waiting on one channel.
struct chan_waiter {
  chan_waiter *next, *prev; // both NULL once off the queue (or the only entry: see waitq_remove)
  chan_owner *owner;        // the case is owner->cases[this - owner->nodes]
};

// One blocked send, recv or select.
struct chan_owner {
  gostack_task *task;         // gostack_waiter_self() of the blocked caller
  gostack_select_case *cases; // the cases (one for send/recv); the waker sets .ok and copies
  chan_waiter *nodes;         // nodes[i] waits for cases[i]
  uint32_t done;              // 0 while waiting; claimed: the winning case's index + 1
};

typedef struct waitq {
  chan_waiter *first, *last;
} waitq;

struct gostack_chan {
  gostack_lock lock; // guards everything below except elem_size and cap
  uint32_t closed;
  size_t elem_size;
  size_t cap;
  size_t count; // buffered elements (read without the lock by gostack_chan_len)
  size_t sendx, recvx;
  waitq recvq, sendq;
  unsigned char buf[] __attribute__((aligned(16))); // cap * elem_size bytes
};

// Cases a select keeps on its own stack (nodes and orders: 28 bytes each); beyond that the
// scratch comes from the heap.
#define SELECT_STACK_CASES 4
// Case indices are uint16_t, as in Go.
#define SELECT_MAX_CASES 65536u

// ---- Fatal errors (reported from the system stack) --------------------------------------------

enum chan_error {
  ERR_CLOSE_CLOSED,
  ERR_NULL_CHAN,
  ERR_SELECT_NO_CASES,
  ERR_SELECT_DIR,
  ERR_SELECT_TOO_MANY,
  ERR_SELECT_NO_WINNER,
  ERR_MAKE_SIZE,
};

struct chan_error_args {
  uintptr_t pc, fp; // where the public function was called from (the user's frames)
  enum chan_error kind;
  const void *p;
  size_t a, b;
};

static void chan_error_on_system_stack(void *arg) {
  const struct chan_error_args *e = arg;
  switch (e->kind) {
  case ERR_CLOSE_CLOSED:
    gostack_fatalf(e->pc, e->fp, "close of closed channel %p (elem_size %zu, cap %zu)", e->p, e->a,
                   e->b);
  case ERR_NULL_CHAN:
    gostack_fatalf(e->pc, e->fp, "%s on a NULL channel (would block forever)", (const char *)e->p);
  case ERR_SELECT_NO_CASES:
    gostack_fatalf(e->pc, e->fp,
                   "select with no cases would block forever (gostack_select: %zu cases, "
                   "none with a channel, block = true)",
                   e->a);
  case ERR_SELECT_DIR:
    gostack_fatalf(e->pc, e->fp,
                   "gostack_select: case %zu has dir %zu, not GOSTACK_SELECT_SEND (1) or "
                   "GOSTACK_SELECT_RECV (2)",
                   e->a, e->b);
  case ERR_SELECT_TOO_MANY:
    gostack_fatalf(e->pc, e->fp, "gostack_select: %zu cases (at most %u)", e->a, SELECT_MAX_CASES);
  case ERR_SELECT_NO_WINNER:
    gostack_fatalf(e->pc, e->fp, "gostack_select: woken without a winning case (runtime bug)");
  case ERR_MAKE_SIZE:
    gostack_fatalf(e->pc, e->fp,
                   "gostack_chan_make: buffer of %zu elements of %zu bytes is too large", e->b,
                   e->a);
  }
  gostack_fatalf(e->pc, e->fp, "channel error %d", (int)e->kind);
}

__attribute__((noinline, cold, noreturn)) static void
chan_error(enum chan_error kind, const void *p, size_t a, size_t b) {
  // The backtrace starts in the public function that called us and walks the task's frames
  // from there (a walk from the system stack would stop where the stacks switch).
  uintptr_t *frame = __builtin_frame_address(0);
  struct chan_error_args e = {frame[1], frame[0], kind, p, a, b};
  __gostack_systemstack_call(chan_error_on_system_stack, &e);
  __builtin_unreachable();
}

// ---- Wait queues ------------------------------------------------------------------------------

static inline void waitq_enqueue(waitq *q, chan_waiter *w) {
  w->next = NULL;
  w->prev = q->last;
  if (q->last)
    q->last->next = w;
  else
    q->first = w;
  q->last = w;
}

// Takes the first waiter whose owner it can claim off the queue, dropping waiters of selects
// that another channel has already won. Returns it with *caseidx set, or NULL. Lock held.
static chan_waiter *waitq_dequeue(waitq *q, uint32_t *caseidx) {
  for (;;) {
    chan_waiter *w = q->first;
    if (!w)
      return NULL;
    chan_waiter *y = w->next;
    if (!y) {
      q->first = q->last = NULL;
    } else {
      y->prev = NULL;
      q->first = y;
      w->next = NULL;
    }
    chan_owner *o = w->owner;
    uint32_t idx = (uint32_t)(w - o->nodes);
    uint32_t expected = 0;
    if (__atomic_compare_exchange_n(&o->done, &expected, idx + 1, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      *caseidx = idx;
      return w;
    }
  }
}

// Removes w if it is still queued on q (a select's losing case). Lock held.
static void waitq_remove(waitq *q, chan_waiter *w) {
  chan_waiter *x = w->prev, *y = w->next;
  if (x) {
    x->next = y;
    if (y)
      y->prev = x;
    else
      q->last = x;
  } else if (y) {
    y->prev = NULL;
    q->first = y;
  } else if (q->first == w) {
    q->first = q->last = NULL;
  } // else: already dequeued (and skipped) by a waker
  w->next = w->prev = NULL;
}

// ---- Buffer and direct transfers (channel lock held) ------------------------------------------

static inline unsigned char *chan_slot(gostack_chan *c, size_t i) {
  return c->buf + i * c->elem_size;
}

static inline void copy_elem(void *dst, const void *src, size_t n) {
  if (n && dst)
    memcpy(dst, src, n);
}

static inline void zero_elem(void *dst, size_t n) {
  if (n && dst)
    memset(dst, 0, n);
}

static inline size_t ring_next(const gostack_chan *c, size_t i) { return ++i == c->cap ? 0 : i; }

static inline void buf_put(gostack_chan *c, const void *elem) {
  copy_elem(chan_slot(c, c->sendx), elem, c->elem_size);
  c->sendx = ring_next(c, c->sendx);
  __atomic_store_n(&c->count, c->count + 1, __ATOMIC_RELAXED);
}

static inline void buf_take(gostack_chan *c, void *out) {
  copy_elem(out, chan_slot(c, c->recvx), c->elem_size);
  c->recvx = ring_next(c, c->recvx);
  __atomic_store_n(&c->count, c->count - 1, __ATOMIC_RELAXED);
}

// Hands elem to the claimed receiver w (case idx of its owner). Returns the task to ready once
// the lock is released: from then on w and its owner may vanish.
static gostack_task *send_to_waiter(gostack_chan *c, chan_waiter *w, uint32_t idx,
                                    const void *elem) {
  chan_owner *o = w->owner;
  gostack_select_case *rc = &o->cases[idx];
  copy_elem(rc->elem, elem, c->elem_size);
  rc->ok = true;
  return o->task;
}

// Receives from the claimed sender w into out. With a buffer (then full), takes the oldest
// buffered element and puts the sender's in its place (Go's recv): FIFO order is kept.
static gostack_task *recv_from_waiter(gostack_chan *c, chan_waiter *w, uint32_t idx, void *out) {
  chan_owner *o = w->owner;
  gostack_select_case *sc = &o->cases[idx];
  if (c->cap == 0) {
    copy_elem(out, sc->elem, c->elem_size);
  } else {
    unsigned char *slot = chan_slot(c, c->recvx);
    copy_elem(out, slot, c->elem_size);
    copy_elem(slot, sc->elem, c->elem_size);
    c->recvx = ring_next(c, c->recvx);
    c->sendx = c->recvx;
  }
  sc->ok = true;
  return o->task;
}

// ---- Make, free, len, cap, close --------------------------------------------------------------

struct chan_make_req {
  size_t elem_size, cap, bytes;
  gostack_chan *chan;
};

static void chan_make_on_system_stack(void *arg) {
  struct chan_make_req *r = arg;
  gostack_chan *c = calloc(1, sizeof(gostack_chan) + r->bytes);
  if (!c)
    gostack_fatalf(0, 0, "out of memory allocating a channel (%zu elements of %zu bytes)", r->cap,
                   r->elem_size);
  c->elem_size = r->elem_size;
  c->cap = r->cap;
  r->chan = c;
}

gostack_chan *gostack_chan_make(size_t elem_size, size_t capacity) {
  size_t bytes;
  if (__builtin_mul_overflow(elem_size, capacity, &bytes) ||
      bytes > ((size_t)1 << 48) - sizeof(gostack_chan))
    chan_error(ERR_MAKE_SIZE, NULL, elem_size, capacity);
  struct chan_make_req r = {elem_size, capacity, bytes, NULL};
  __gostack_systemstack_call(chan_make_on_system_stack, &r);
  return r.chan;
}

static void free_on_system_stack(void *p) { free(p); }

void gostack_chan_free(gostack_chan *c) {
  if (c)
    __gostack_systemstack_call(free_on_system_stack, c);
}

size_t gostack_chan_len(gostack_chan *c) {
  return c ? __atomic_load_n(&c->count, __ATOMIC_RELAXED) : 0;
}

size_t gostack_chan_cap(gostack_chan *c) { return c ? c->cap : 0; }

static void release_lock_commit(void *lock) { gostack_lock_release(lock); }

void gostack_chan_close(gostack_chan *c) {
  if (!c)
    chan_error(ERR_NULL_CHAN, "close", 0, 0);
  gostack_lock_acquire(&c->lock);
  if (c->closed) {
    gostack_lock_release(&c->lock);
    chan_error(ERR_CLOSE_CLOSED, c, c->elem_size, c->cap);
  }
  c->closed = 1;
  // Claim every waiter under the lock, ready them after it (linked through their `next`).
  chan_waiter *list = NULL, *w;
  uint32_t idx;
  while ((w = waitq_dequeue(&c->recvq, &idx))) {
    gostack_select_case *rc = &w->owner->cases[idx];
    zero_elem(rc->elem, c->elem_size);
    rc->ok = false;
    w->next = list;
    list = w;
  }
  while ((w = waitq_dequeue(&c->sendq, &idx))) {
    w->owner->cases[idx].ok = false;
    w->next = list;
    list = w;
  }
  gostack_lock_release(&c->lock);
  while (list) {
    w = list;
    list = w->next;
    gostack_ready(w->owner->task); // w is gone after this
  }
}

// ---- Send and receive -------------------------------------------------------------------------

// Parks the caller on q with one case; the lock is held and released by the commit step.
// Returns the case's ok as the waker set it.
__attribute__((noinline)) static bool chan_block(gostack_chan *c, waitq *q, int dir, void *elem) {
  gostack_select_case cs = {c, dir, elem, false};
  chan_waiter node;
  chan_owner o = {gostack_waiter_self(), &cs, &node, 0};
  node.owner = &o;
  waitq_enqueue(q, &node);
  gostack_park_commit(release_lock_commit, &c->lock);
  return __atomic_load_n(&cs.ok, __ATOMIC_ACQUIRE);
}

bool gostack_chan_send(gostack_chan *c, const void *elem) {
  if (!c)
    chan_error(ERR_NULL_CHAN, "send", 0, 0);
  gostack_lock_acquire(&c->lock);
  if (c->closed) {
    gostack_lock_release(&c->lock);
    return false;
  }
  uint32_t idx;
  chan_waiter *w = waitq_dequeue(&c->recvq, &idx);
  if (w) {
    gostack_task *t = send_to_waiter(c, w, idx, elem);
    gostack_lock_release(&c->lock);
    gostack_ready(t);
    return true;
  }
  if (c->count < c->cap) {
    buf_put(c, elem);
    gostack_lock_release(&c->lock);
    return true;
  }
  return chan_block(c, &c->sendq, GOSTACK_SELECT_SEND, (void *)elem);
}

bool gostack_chan_recv(gostack_chan *c, void *out) {
  if (!c)
    chan_error(ERR_NULL_CHAN, "recv", 0, 0);
  gostack_lock_acquire(&c->lock);
  uint32_t idx;
  chan_waiter *w = waitq_dequeue(&c->sendq, &idx); // none once closed
  if (w) {
    gostack_task *t = recv_from_waiter(c, w, idx, out);
    gostack_lock_release(&c->lock);
    gostack_ready(t);
    return true;
  }
  if (c->count > 0) {
    buf_take(c, out);
    gostack_lock_release(&c->lock);
    return true;
  }
  if (c->closed) {
    gostack_lock_release(&c->lock);
    zero_elem(out, c->elem_size);
    return false;
  }
  return chan_block(c, &c->recvq, GOSTACK_SELECT_RECV, out);
}

// ---- Select -----------------------------------------------------------------------------------

// The channels of a select, locked in address order (each once).
typedef struct sel_locks {
  gostack_select_case *cases;
  const uint16_t *lockorder;
  size_t n;
} sel_locks;

static void sel_lock(const sel_locks *s) {
  gostack_chan *prev = NULL;
  for (size_t i = 0; i < s->n; i++) {
    gostack_chan *c = s->cases[s->lockorder[i]].chan;
    if (c != prev)
      gostack_lock_acquire(&c->lock);
    prev = c;
  }
}

// Also the commit step of a blocking select: once the last lock (the lowest channel, which a
// woken select relocks first) is released, the select may return on another thread and its
// frame, *s included, be gone; nothing here is read after that release.
static void sel_unlock(void *arg) {
  const sel_locks *s = arg;
  gostack_select_case *cases = s->cases;
  const uint16_t *lockorder = s->lockorder;
  for (size_t i = s->n; i-- > 0;) {
    gostack_chan *c = cases[lockorder[i]].chan;
    if (i > 0 && c == cases[lockorder[i - 1]].chan)
      continue; // released with its first occurrence
    gostack_lock_release(&c->lock);
  }
}

static inline uintptr_t case_key(const gostack_select_case *cases, uint16_t i) {
  return (uintptr_t)cases[i].chan;
}

// Moves a[j] down the max-heap a[0..n) to its place (keys: channel addresses).
static void sift_down(const gostack_select_case *cases, uint16_t *a, size_t j, size_t n) {
  uint16_t v = a[j];
  for (;;) {
    size_t k = 2 * j + 1;
    if (k >= n)
      break;
    if (k + 1 < n && case_key(cases, a[k]) < case_key(cases, a[k + 1]))
      k++;
    if (case_key(cases, v) >= case_key(cases, a[k]))
      break;
    a[j] = a[k];
    j = k;
  }
  a[j] = v;
}

// Heapsort of the case indices by channel address (no recursion, no scratch).
static void sort_lockorder(const gostack_select_case *cases, uint16_t *a, size_t n) {
  for (size_t start = n / 2; start-- > 0;) // heapify
    sift_down(cases, a, start, n);
  for (size_t end = n; end-- > 1;) { // pop the largest to the end
    uint16_t v = a[end];
    a[end] = a[0];
    a[0] = v;
    sift_down(cases, a, 0, end);
  }
}

static inline uint32_t fastrandn(uint32_t n) {
  return (uint32_t)(((uint64_t)gostack_fastrand() * n) >> 32);
}

// Go's selectgo. nodes has ncases entries, order 2 * ncases (poll order, then lock order).
__attribute__((noinline)) static int select_impl(gostack_select_case *cases, size_t ncases,
                                                 bool block, chan_waiter *nodes, uint16_t *order) {
  // Poll order: a random permutation of the cases with a channel (a NULL channel never fires).
  uint16_t *pollorder = order, *lockorder = order + ncases;
  size_t norder = 0;
  for (size_t i = 0; i < ncases; i++) {
    if (!cases[i].chan)
      continue;
    int dir = cases[i].dir;
    if (dir != GOSTACK_SELECT_SEND && dir != GOSTACK_SELECT_RECV)
      chan_error(ERR_SELECT_DIR, NULL, i, (size_t)(unsigned)dir);
    size_t j = fastrandn((uint32_t)norder + 1);
    pollorder[norder] = pollorder[j];
    pollorder[j] = (uint16_t)i;
    norder++;
  }
  if (norder == 0) {
    if (!block)
      return -1;
    chan_error(ERR_SELECT_NO_CASES, NULL, ncases, 0);
  }
  memcpy(lockorder, pollorder, norder * sizeof *lockorder);
  sort_lockorder(cases, lockorder, norder);
  sel_locks locks = {cases, lockorder, norder};
  sel_lock(&locks);

  // Pass 1: the first case in poll order that can proceed now.
  for (size_t p = 0; p < norder; p++) {
    uint16_t i = pollorder[p];
    gostack_select_case *cs = &cases[i];
    gostack_chan *c = cs->chan;
    gostack_task *t = NULL;
    uint32_t idx;
    chan_waiter *w;
    if (cs->dir == GOSTACK_SELECT_RECV) {
      if ((w = waitq_dequeue(&c->sendq, &idx))) {
        t = recv_from_waiter(c, w, idx, cs->elem);
        cs->ok = true;
      } else if (c->count > 0) {
        buf_take(c, cs->elem);
        cs->ok = true;
      } else if (c->closed) {
        zero_elem(cs->elem, c->elem_size);
        cs->ok = false;
      } else {
        continue;
      }
    } else {
      if (c->closed) {
        cs->ok = false;
      } else if ((w = waitq_dequeue(&c->recvq, &idx))) {
        t = send_to_waiter(c, w, idx, cs->elem);
        cs->ok = true;
      } else if (c->count < c->cap) {
        buf_put(c, cs->elem);
        cs->ok = true;
      } else {
        continue;
      }
    }
    sel_unlock(&locks);
    if (t)
      gostack_ready(t);
    return i;
  }
  if (!block) {
    sel_unlock(&locks);
    return -1;
  }

  // Pass 2: wait on every channel; the first waker claims `done`.
  chan_owner o = {gostack_waiter_self(), cases, nodes, 0};
  for (size_t p = 0; p < norder; p++) {
    uint16_t i = lockorder[p];
    gostack_chan *c = cases[i].chan;
    nodes[i].owner = &o;
    waitq_enqueue(cases[i].dir == GOSTACK_SELECT_SEND ? &c->sendq : &c->recvq, &nodes[i]);
  }
  gostack_park_commit(sel_unlock, &locks);

  // Pass 3: the winner's waker dequeued its node and did the transfer; drop the others.
  sel_lock(&locks);
  uint32_t won = __atomic_load_n(&o.done, __ATOMIC_ACQUIRE);
  if (won == 0)
    chan_error(ERR_SELECT_NO_WINNER, NULL, 0, 0);
  for (size_t p = 0; p < norder; p++) {
    uint16_t i = lockorder[p];
    if (i == won - 1)
      continue;
    gostack_chan *c = cases[i].chan;
    waitq_remove(cases[i].dir == GOSTACK_SELECT_SEND ? &c->sendq : &c->recvq, &nodes[i]);
  }
  sel_unlock(&locks);
  return (int)(won - 1);
}

// Scratch for large selects: one buffer kept for reuse (taken and returned atomically), the
// rest malloc'd and freed on the system stack.
typedef struct sel_scratch {
  size_t ncases; // capacity in cases; the nodes, then the orders follow
} sel_scratch;

static sel_scratch *sel_cached;

static size_t sel_scratch_bytes(size_t ncases) {
  return sizeof(sel_scratch) + ncases * (sizeof(chan_waiter) + 2 * sizeof(uint16_t));
}

struct sel_alloc_req {
  size_t ncases;
  sel_scratch *s;
};

static void sel_alloc_on_system_stack(void *arg) {
  struct sel_alloc_req *r = arg;
  sel_scratch *s = malloc(sel_scratch_bytes(r->ncases));
  if (!s)
    gostack_fatalf(0, 0, "out of memory allocating scratch for a select of %zu cases", r->ncases);
  s->ncases = r->ncases;
  r->s = s;
}

__attribute__((noinline)) static int select_big(gostack_select_case *cases, size_t ncases,
                                                bool block) {
  if (ncases > SELECT_MAX_CASES)
    chan_error(ERR_SELECT_TOO_MANY, NULL, ncases, 0);
  sel_scratch *s = __atomic_exchange_n(&sel_cached, NULL, __ATOMIC_ACQUIRE);
  if (s && s->ncases < ncases) {
    __gostack_systemstack_call(free_on_system_stack, s);
    s = NULL;
  }
  if (!s) {
    struct sel_alloc_req r = {ncases, NULL};
    __gostack_systemstack_call(sel_alloc_on_system_stack, &r);
    s = r.s;
  }
  chan_waiter *nodes = (chan_waiter *)(s + 1);
  int r = select_impl(cases, ncases, block, nodes, (uint16_t *)(nodes + s->ncases));
  sel_scratch *expected = NULL;
  if (!__atomic_compare_exchange_n(&sel_cached, &expected, s, false, __ATOMIC_RELEASE,
                                   __ATOMIC_RELAXED))
    __gostack_systemstack_call(free_on_system_stack, s);
  return r;
}

__attribute__((noinline)) static int select_small(gostack_select_case *cases, size_t ncases,
                                                  bool block) {
  chan_waiter nodes[SELECT_STACK_CASES];
  uint16_t order[2 * SELECT_STACK_CASES];
  return select_impl(cases, ncases, block, nodes, order);
}

// Two paths, each its own frame: a large select does not also carry the small one's arrays.
int gostack_select(gostack_select_case *cases, size_t ncases, bool block) {
  if (ncases > SELECT_STACK_CASES)
    return select_big(cases, ncases, block);
  return select_small(cases, ncases, block);
}
