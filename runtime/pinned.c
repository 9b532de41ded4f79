// The pinned area: where the plugin puts locals whose address may escape (plugin/
// PinnedAllocas.cpp). It never moves, so pointers to pinned locals stay valid wherever they were
// stored (docs/design.md, "Pinning"). Like SafeStack's unsafe stack it is LIFO, addressed
// through two initial-exec TLS words that instrumented code reads and writes directly:
//
//   __gostack_pinned_sp     lowest byte in use (allocation moves it down)
//   __gostack_pinned_limit  lowest usable byte of the current chunk
//
// Unlike SafeStack's, it is made of chunks that are linked, not copied, when it grows: a chunk
// is [header | usable ... top), allocations go down from top, and the header sits right below
// the limit so the current chunk is found from the limit alone. Chunks past the current one are
// free (LIFO) and are reused or released by the next growth. A task's chunks are freed with the
// task; a thread that runs no task keeps its own (instrumented code outside tasks pins too).

#include "task.h"

#include <stdint.h>

__thread void *__gostack_pinned_sp __attribute__((tls_model("initial-exec")));
__thread void *__gostack_pinned_limit __attribute__((tls_model("initial-exec")));
__thread struct gostack_pinned_chunk *gostack_pinned_root
    __attribute__((tls_model("initial-exec")));

struct gostack_pinned_chunk {
  struct gostack_pinned_chunk *next; // the chunk used after this one fills up
  size_t size;                       // bytes, header included (a stack size class)
  uintptr_t reserved[2];             // keeps the limit 16-byte aligned
};
typedef struct gostack_pinned_chunk chunk;

// First chunk: enough for a few escaping buffers without a second allocation.
#define PINNED_CHUNK_MIN 8192u

static chunk *current_chunk(void) {
  uintptr_t limit = (uintptr_t)__gostack_pinned_limit;
  return limit ? (chunk *)(limit - sizeof(chunk)) : NULL;
}

static void free_chain(chunk *c) {
  while (c) {
    chunk *next = c->next;
    gostack_stackfree((gostack_stack){(uintptr_t)c, (uintptr_t)c + c->size});
    c = next;
  }
}

void gostack_pinned_free_all(chunk *root) { free_chain(root); }

_Static_assert(sizeof(chunk) == GOSTACK_PINNED_CHUNK_HEADER, "task.h");

gostack_pinned_state gostack_pinned_enter(void *area, size_t size) {
  gostack_pinned_state saved = {__gostack_pinned_sp, __gostack_pinned_limit};
  chunk *c = area;
  c->next = NULL;
  c->size = size;
  __gostack_pinned_limit = (unsigned char *)area + sizeof(chunk);
  __gostack_pinned_sp = (unsigned char *)area + size;
  return saved;
}

void gostack_pinned_leave(void *area, gostack_pinned_state saved) {
  chunk *c = area;
  free_chain(c->next); // chunks the borrower outgrew its area into
  __gostack_pinned_sp = saved.sp;
  __gostack_pinned_limit = saved.limit;
}

struct grow_req {
  size_t size, align;
  void *base;
};

// Runs on the system stack: stackalloc may mmap.
static void grow_on_system_stack(void *p) {
  struct grow_req *r = p;
  if (r->size > ((size_t)1 << 40) || r->align > 4096 || (r->align & (r->align - 1)))
    gostack_fatalf(0, 0, "pinned area: bad request of %zu bytes aligned to %zu", r->size,
                   r->align);
  size_t need = r->size + r->align + sizeof(chunk);
  chunk *cur = current_chunk();
  chunk **slot = cur ? &cur->next : &gostack_pinned_root;
  chunk *next = *slot;
  if (!next || next->size < need) {
    free_chain(next);
    size_t size = PINNED_CHUNK_MIN;
    if (cur && cur->size * 2 > size)
      size = cur->size * 2;
    size = gostack_stack_class(size < need ? need : size);
    if (!size)
      gostack_fatalf(0, 0, "pinned area: cannot allocate %zu bytes", need);
    if (slot == &gostack_pinned_root && !gostack_m_tls.curtask)
      gostack_release_at_thread_exit(); // the thread's own area, not a task's
    gostack_stack s = gostack_stackalloc(size);
    next = (chunk *)s.lo;
    next->next = NULL;
    next->size = size;
    *slot = next;
  }
  uintptr_t top = (uintptr_t)next + next->size;
  uintptr_t base = (top - r->size) & ~(uintptr_t)(r->align - 1);
  __gostack_pinned_limit = (void *)((uintptr_t)next + sizeof(chunk));
  __gostack_pinned_sp = (void *)base;
  r->base = (void *)base;
}

// Called by instrumented prologues when the current chunk is too small (so on a task stack,
// inside the guard reserve: the real work happens on the system stack).
void *__gostack_pinned_grow(size_t size, size_t align) {
  struct grow_req r = {size, align, NULL};
  __gostack_systemstack_call(grow_on_system_stack, &r);
  return r.base;
}

// An escaping dynamic alloca (VLA, alloca()); released when its function returns.
void *__gostack_pinned_alloca(size_t size, size_t align) {
  uintptr_t sp = (uintptr_t)__gostack_pinned_sp;
  uintptr_t avail = sp - (uintptr_t)__gostack_pinned_limit;
  if (size <= avail && avail - size >= align) {
    uintptr_t base = (sp - size) & ~(uintptr_t)(align - 1);
    __gostack_pinned_sp = (void *)base;
    return (void *)base;
  }
  return __gostack_pinned_grow(size, align);
}
