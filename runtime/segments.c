// Linked segments: more stack for instrumented callbacks that run under foreign frames.
//
// Calls into code the plugin did not compile run on the thread's system stack
// (__gostack_systemstack_call). When that code calls back into instrumented code (qsort's
// comparator, a C++ callback through a plain library), the callback's frames sit above foreign
// frames that have no stack maps, so this stack can never be copied. Instead, when a callback's
// prologue check fails there, __morestack runs the function's body on a new segment and
// returns through the runtime, which unlinks it: GCC's -fsplit-stack protocol. The guard on
// the system stack and on every segment keeps GOSTACK_FOREIGN_RESERVE bytes free below it, so
// the foreign code a callback calls (directly, in place) has room too.
//
// Segments belong to the thread (gostack_m), not to a task: a task cannot switch while it is
// in a callback. Unlinked segments stay cached for the next callback; later growth of the task
// stack itself copies as usual.

#include "asm_offsets.h"
#include "task.h"

#include <pthread.h>
#include <string.h>
#include <unwind.h>

// Smallest segment: enough for the foreign reserve and a deep run of ordinary frames, so that
// a callback recursing near a boundary does not link and unlink on every call.
#define SEGMENT_MIN ((size_t)256 << 10)

// Bytes a segment gives its first frame beyond what the frame asked for.
#define SEGMENT_SLACK 256u

static size_t segment_size(const gostack_segment *s) { return s->stack.hi - s->stack.lo; }

// A stack's guard for callbacks: GOSTACK_FOREIGN_RESERVE free below their frames.
static uintptr_t callback_guard(uintptr_t lo) {
  return lo + gostack_cfg.foreign_reserve + GOSTACK_STACK_GUARD;
}

// Finds the bounds of the stack this thread started on. Called once per thread, on that stack
// (gostack_join from a thread that is not a task), so pthread_getattr_np's cost (for the main
// thread it reads /proc/self/maps) is paid once.
void gostack_init_system_stack(gostack_m *m) {
  if (!m->g0_lo) {
    pthread_attr_t attr;
    void *addr;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
      if (pthread_attr_getstack(&attr, &addr, &size) == 0)
        m->g0_lo = (uintptr_t)addr;
      pthread_attr_destroy(&attr);
    }
  }
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  // Unknown bounds, or a stack smaller than the reserve: callbacks run unchecked, as on a
  // thread the runtime does not know.
  if (m->g0_lo && sp > callback_guard(m->g0_lo))
    m->g0_guard = callback_guard(m->g0_lo);
  else
    m->g0_guard = 0;
}

uintptr_t gostack_system_stack_lo(const gostack_m *m) {
  return m->curseg ? m->curseg->stack.lo : m->g0_lo;
}

uintptr_t gostack_system_stack_guard(const gostack_m *m) {
  return m->curseg ? callback_guard(m->curseg->stack.lo) : m->g0_guard;
}

static void release(gostack_segment *s) {
  while (s) {
    gostack_segment *next = s->next;
    gostack_stackfree((gostack_stack){s->stack.lo, s->stack.hi + sizeof *s});
    s = next;
  }
}

// ---- Thread exit: the memory a thread owns (its segments, the pinned chunks it used outside
// tasks) goes back to the allocator when the thread ends ------------------------------------

static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

void gostack_release_segments(gostack_m *m) {
  release(m->segments);
  m->segments = m->curseg = NULL;
}

static void release_thread_memory(void *unused) {
  (void)unused;
  gostack_release_segments(&gostack_m_tls);
  gostack_pinned_free_all(gostack_pinned_root);
  gostack_pinned_root = NULL;
  __gostack_pinned_sp = __gostack_pinned_limit = NULL;
}

static void make_exit_key(void) {
  if (pthread_key_create(&exit_key, release_thread_memory) != 0)
    exit_key = (pthread_key_t)-1; // no cleanup: the memory stays cached, as before
}

void gostack_release_at_thread_exit(void) {
  pthread_once(&exit_key_once, make_exit_key);
  if (exit_key != (pthread_key_t)-1 && !pthread_getspecific(exit_key))
    pthread_setspecific(exit_key, (void *)1); // non-NULL: the destructor runs
}

// Bytes of segments in use below the one being linked: the callback's share of the limit.
static size_t linked_bytes(const gostack_m *m) {
  size_t n = 0;
  for (const gostack_segment *s = m->curseg; s; s = s->prev)
    n += segment_size(s);
  return n;
}

// A segment of at least `need` usable bytes above the current one: the cached one when it is
// big enough, else a new one twice the size of the segment below (Go's doubling, so a deep
// callback recursion links O(log depth) segments).
static gostack_segment *next_segment(gostack_m *m, size_t need, const gostack_morestack_ctx *ctx) {
  gostack_segment **slot = m->curseg ? &m->curseg->next : &m->segments;
  if (*slot && segment_size(*slot) >= need)
    return *slot;
  release(*slot); // too small, and unused like every segment above the current one
  *slot = NULL;
  size_t size = SEGMENT_MIN;
  if (m->curseg && segment_size(m->curseg) + sizeof(gostack_segment) >= size)
    size = 2 * (segment_size(m->curseg) + sizeof(gostack_segment));
  while (size < need + sizeof(gostack_segment))
    size *= 2;
  size_t in_use = linked_bytes(m);
  if (in_use + size > gostack_cfg.max_stack)
    gostack_fatalf(ctx->ret_in_f, ctx->rbp,
                   "callback stack exceeds %zu-byte limit: a callback from uninstrumented code "
                   "on task %llu has %zu bytes of linked segments and needs %zu more; "
                   "GOSTACK_MAXSTACK raises the limit",
                   gostack_cfg.max_stack,
                   (unsigned long long)(m->curtask ? m->curtask->id : 0), in_use, size);
  gostack_release_at_thread_exit();
  gostack_stack mem = gostack_stackalloc(size);
  gostack_segment *s = (gostack_segment *)(mem.hi - sizeof(gostack_segment));
  memset(s, 0, sizeof *s);
  s->stack.lo = mem.lo;
  s->stack.hi = (uintptr_t)s;
  *slot = s;
  return s;
}

// Called by __morestack (through gostack_newstack) when a prologue check failed on the system
// stack or a segment: links a segment and sets m->link_sp, the SP at which __morestack calls
// the function's body. The body's stack arguments (r11 bytes, just above its return address)
// are copied there; its pointer arguments keep pointing at the frames below, which never move.
void gostack_link_segment(gostack_m *m, gostack_morestack_ctx *ctx) {
  size_t args = ctx->r11;
  size_t need = ctx->r10 + args + gostack_cfg.foreign_reserve + GOSTACK_STACK_GUARD +
                GOSTACK_STACK_TOP_PAD + SEGMENT_SLACK;
  gostack_segment *s = next_segment(m, need, ctx);
  s->prev = m->curseg;
  s->saved_guard = gostack_get_guard();
  m->curseg = s;
  m->curtask->segment_links++;
  // SP before __morestack's call of the body: 16-byte aligned, so the body starts with the
  // alignment of a function entry.
  uintptr_t sp = (s->stack.hi - GOSTACK_STACK_TOP_PAD - args) & ~(uintptr_t)15;
  memcpy((void *)sp, &ctx->f_ret + 1, args);
  m->link_sp = sp;
  gostack_set_guard(callback_guard(s->stack.lo));
}

// Unlinks the innermost segment: what __morestack does after the body returns (in assembly),
// done here when an exception or a forced unwind leaves the body instead.
static void unlink_segment(gostack_m *m) {
  gostack_segment *s = m->curseg;
  if (!s)
    return;
  gostack_set_guard(s->saved_guard);
  m->curseg = s->prev;
}

void gostack_unlink_segments_above(gostack_m *m, uintptr_t sp) {
  while (m->curseg && !(sp >= m->curseg->stack.lo && sp <= m->curseg->stack.hi))
    unlink_segment(m);
}

extern char __gostack_morestack_linked_ret[];

// Personality of __morestack. Its frame is live only while a body runs on a linked segment,
// and then its return address is __gostack_morestack_linked_ret.
_Unwind_Reason_Code __gostack_morestack_personality(int version, _Unwind_Action actions,
                                                    _Unwind_Exception_Class cls,
                                                    struct _Unwind_Exception *exc,
                                                    struct _Unwind_Context *ctx) {
  if ((actions & _UA_CLEANUP_PHASE) &&
      _Unwind_GetIP(ctx) == (uintptr_t)__gostack_morestack_linked_ret)
    unlink_segment(&gostack_m_tls);
  return _URC_CONTINUE_UNWIND;
}
