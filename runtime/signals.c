// Signals (docs/design.md, "Signals"): alternate signal stacks on the threads that run tasks,
// handlers wrapped so that instrumented handler code never grows or moves the stack it
// interrupted, and a SIGSEGV/SIGBUS handler that turns stack faults into fatal reports.
//
// A signal may arrive anywhere: in a task's prologue, in __morestack between its pushes, in
// copystack halfway through a move on the system stack. The interrupted state is left alone:
//
//  * the kernel puts the handler on the thread's alternate stack (SA_ONSTACK is forced), never
//    below the interrupted SP, where a task has only its 928-byte reserve;
//  * the handler runs with the guard at 0 and on_system_stack set, so its prologue checks all
//    pass (no __morestack, no move of the interrupted stack without a stack map) and its
//    foreign calls run in place on the alternate stack (__gostack_systemstack_call would
//    otherwise reset RSP to the system stack, which copystack may be using right now);
//  * both are restored when the handler returns; a handler that leaves by longjmp goes through
//    __gostack_longjmp (jmpbuf.c), which restores them for the task it jumps into.
//
// The program's handlers are wrapped by interposing sigaction and signal: the runtime is linked
// into the executable, so its definitions take precedence over libc's for every caller except
// libc itself (which uses internal aliases). The kernel sees our trampoline; queries see what
// the program installed.

#include "signals.h"

#include "asm_offsets.h"
#include "task.h"

#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

// The alternate stack: the program's handlers (snprintf alone wants a few KB) and, on a fatal
// fault, the report with its symbolizer (fatal.c keeps its big buffers static). Reserved lazily
// (MAP_NORESERVE), so the size costs address space, not memory.
#define ALTSTACK_SIZE ((size_t)128 << 10)
#define PAGE_SIZE_BYTES ((size_t)4096)
// A fault this far below a system stack's lowest byte is an overflow of that stack: a frame
// larger than the guard page can skip it, and glibc's thread guards are a page or more.
#define SYSTEM_STACK_GUARD_ZONE ((uintptr_t)64 << 10)

typedef int (*sigaction_fn)(int, const struct sigaction *, struct sigaction *);
typedef void (*siginfo_handler)(int, siginfo_t *, void *);
typedef void (*plain_handler)(int);

// ---- libc's sigaction ----------------------------------------------------------------------------

// Exported by glibc 2.2.5+ next to sigaction; a weak reference is the fallback when dlsym cannot
// see past us (a static link has no RTLD_NEXT).
extern int __sigaction(int, const struct sigaction *, struct sigaction *) __attribute__((weak));

static sigaction_fn real_sigaction_ptr;

static sigaction_fn real_sigaction(void) {
  sigaction_fn f = __atomic_load_n(&real_sigaction_ptr, __ATOMIC_ACQUIRE);
  if (f)
    return f;
  f = (sigaction_fn)dlsym(RTLD_NEXT, "sigaction");
  if (!f || f == sigaction)
    f = __sigaction;
  if (!f)
    gostack_fatalf(0, 0, "signals: cannot find libc's sigaction (dlsym(RTLD_NEXT) failed)");
  __atomic_store_n(&real_sigaction_ptr, f, __ATOMIC_RELEASE);
  return f;
}

// dlsym is not async-signal-safe: resolve before main, not in the first handler that calls
// sigaction.
__attribute__((constructor)) static void resolve_real_sigaction(void) { real_sigaction(); }

// ---- What the program installed ------------------------------------------------------------------

// Per signal, the program's view. Trampolines read handler and flags lock-free under the
// sequence counter (odd while a writer is between its two increments); writers are serialized
// by table_lock, taken with every signal blocked so a handler on the same thread can never
// spin on a lock its own thread holds.
struct user_action {
  _Atomic unsigned seq;
  _Atomic uintptr_t handler; // sa_handler / sa_sigaction as given (SIG_DFL, SIG_IGN or code)
  _Atomic int flags;         // sa_flags as given
  sigset_t mask;             // sa_mask as given (read under table_lock only)
  bool valid;                // set through us; else the kernel's action is the program's view
};
static struct user_action actions[_NSIG];
static atomic_flag table_lock = ATOMIC_FLAG_INIT;
static _Atomic bool fault_handler_on; // SIGSEGV/SIGBUS keep fault_handler in the kernel

static void lock_table(sigset_t *saved) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, saved);
  while (atomic_flag_test_and_set_explicit(&table_lock, memory_order_acquire))
    sched_yield();
}

static void unlock_table(const sigset_t *saved) {
  atomic_flag_clear_explicit(&table_lock, memory_order_release);
  pthread_sigmask(SIG_SETMASK, saved, NULL);
}

// Under table_lock.
static void write_action(int sig, uintptr_t handler, int flags, const sigset_t *mask) {
  struct user_action *a = &actions[sig];
  unsigned s = atomic_load_explicit(&a->seq, memory_order_relaxed);
  atomic_store_explicit(&a->seq, s + 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
  atomic_store_explicit(&a->handler, handler, memory_order_relaxed);
  atomic_store_explicit(&a->flags, flags, memory_order_relaxed);
  a->mask = *mask;
  a->valid = true;
  atomic_store_explicit(&a->seq, s + 2, memory_order_release);
}

static void read_action(int sig, uintptr_t *handler, int *flags, unsigned *seq) {
  struct user_action *a = &actions[sig];
  for (;;) {
    unsigned s = atomic_load_explicit(&a->seq, memory_order_acquire);
    if (s & 1) {
      sched_yield(); // a writer on another thread (ours has signals blocked while writing)
      continue;
    }
    *handler = atomic_load_explicit(&a->handler, memory_order_relaxed);
    *flags = atomic_load_explicit(&a->flags, memory_order_relaxed);
    atomic_thread_fence(memory_order_acquire);
    if (atomic_load_explicit(&a->seq, memory_order_relaxed) == s) {
      *seq = s;
      return;
    }
  }
}

// Per thread (set by gostack_signals_init).
static __thread struct {
  bool ready;
  uintptr_t alt_lo, alt_hi;  // the alternate signal stack, ours (guard page below) or the program's
  uintptr_t sys_lo, sys_hi;  // the thread's own stack (its system stack when it runs tasks)
} thread_state;

static bool is_fault_signal(int sig) { return sig == SIGSEGV || sig == SIGBUS; }
static bool is_function(uintptr_t h) {
  return h != (uintptr_t)SIG_DFL && h != (uintptr_t)SIG_IGN;
}

// ---- Running the program's handler ---------------------------------------------------------------


// Pinned locals of a handler (a buffer passed to sigaltstack, snprintf's target) get an area of
// their own on the alternate stack, this big at most: sharing the interrupted code's area would
// make a handler that needs a new chunk allocate one, and the allocator's lock may be held by
// the very code the signal interrupted (a stack move).
#define HANDLER_PINNED_BYTES 8192u
#define HANDLER_PINNED_MIN 512u

// Bytes left below the current SP on the alternate stack this handler runs on, 0 if it does not
// run on one (no alternate stack: the kernel used the interrupted stack).
static size_t altstack_room(void) {
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  uintptr_t lo = thread_state.alt_lo, hi = thread_state.alt_hi;
  if (!(lo && sp - lo < hi - lo)) {
    stack_t cur; // installed by the program after gostack_signals_init, or never known to us
    if (sigaltstack(NULL, &cur) != 0 || !(cur.ss_flags & SS_ONSTACK))
      return 0;
    lo = (uintptr_t)cur.ss_sp;
  }
  return sp - lo;
}

// The heart of it: the handler may be instrumented, and whatever it interrupted must not be
// grown, moved or have its system stack reused (see the top of the file).
static void call_user(int sig, siginfo_t *si, void *uc, uintptr_t handler, int flags) {
  gostack_m *m = &gostack_m_tls;
  uintptr_t guard = gostack_get_guard();
  uintptr_t on_system_stack = m->on_system_stack;
  // A quarter of what is left, so a small alternate stack (the program's) still has room for
  // the handler's frames; none when not on an alternate stack (the interrupted area is shared).
  size_t pinned = altstack_room() / 4;
  if (pinned > HANDLER_PINNED_BYTES)
    pinned = HANDLER_PINNED_BYTES;
  pinned = pinned < HANDLER_PINNED_MIN ? 0 : pinned & ~(size_t)15;
  unsigned char area[pinned ? pinned : 1] __attribute__((aligned(16)));
  gostack_pinned_state saved;
  if (pinned)
    saved = gostack_pinned_enter(area, pinned);
  m->on_system_stack = 1;
  gostack_set_guard(0);
  if (flags & SA_SIGINFO)
    ((siginfo_handler)handler)(sig, si, uc);
  else
    ((plain_handler)handler)(sig);
  gostack_set_guard(guard);
  m->on_system_stack = on_system_stack;
  if (pinned)
    gostack_pinned_leave(area, saved);
}

// SA_RESETHAND: the disposition becomes SIG_DFL on entry to the handler (the kernel already did
// so for its copy, or, for the fault signals, we keep our handler and only the program's view
// changes). Unless the program installed something else in the meantime (seq moved on).
static void reset_after_delivery(int sig, unsigned seq) {
  sigset_t saved;
  lock_table(&saved);
  struct user_action *a = &actions[sig];
  if (atomic_load_explicit(&a->seq, memory_order_relaxed) == seq)
    write_action(sig, (uintptr_t)SIG_DFL, atomic_load_explicit(&a->flags, memory_order_relaxed),
                 &a->mask);
  unlock_table(&saved);
}

static void trampoline(int sig, siginfo_t *si, void *uc) {
  int saved_errno = errno; // reset_after_delivery's pthread_sigmask must not leak into errno
  uintptr_t handler;
  int flags;
  unsigned seq;
  read_action(sig, &handler, &flags, &seq);
  if (!is_function(handler)) {
    // The program changed the disposition after the kernel chose to deliver to us. Once its
    // sigaction call has finished (it holds the lock until the kernel is updated), re-raise
    // for SIG_DFL so the signal gets the new action; SIG_IGN means nothing happens.
    if (handler == (uintptr_t)SIG_DFL) {
      sigset_t saved;
      lock_table(&saved);
      unlock_table(&saved);
      raise(sig);
    }
    errno = saved_errno;
    return;
  }
  if (flags & SA_RESETHAND)
    reset_after_delivery(sig, seq);
  errno = saved_errno;
  call_user(sig, si, uc, handler, flags);
}

// ---- Per-thread state ----------------------------------------------------------------------------


static pthread_key_t altstack_key;
static pthread_once_t altstack_key_once = PTHREAD_ONCE_INIT;

// Thread exit: disarm and unmap the alternate stack we gave the thread, unless the program has
// replaced it since.
static void release_altstack(void *mapping) {
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE) &&
      (uintptr_t)cur.ss_sp == (uintptr_t)mapping + PAGE_SIZE_BYTES) {
    if (cur.ss_flags & SS_ONSTACK)
      return; // exiting from a handler on it (pthread_exit in a handler): leak it, do not fault
    stack_t off = {.ss_sp = NULL, .ss_flags = SS_DISABLE, .ss_size = 0};
    sigaltstack(&off, NULL);
  }
  munmap(mapping, ALTSTACK_SIZE + PAGE_SIZE_BYTES);
}

static void make_altstack_key(void) {
  if (pthread_key_create(&altstack_key, release_altstack) != 0)
    gostack_fatalf(0, 0, "signals: pthread_key_create failed");
}

static void install_altstack(void) {
  stack_t cur;
  if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE)) {
    // The program's own: keep it (it sized it for its handlers).
    thread_state.alt_lo = (uintptr_t)cur.ss_sp;
    thread_state.alt_hi = (uintptr_t)cur.ss_sp + cur.ss_size;
    return;
  }
  size_t map = ALTSTACK_SIZE + PAGE_SIZE_BYTES;
  void *p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED)
    gostack_fatalf(0, 0, "signals: cannot map a %zu-byte alternate signal stack (errno %d)",
                   map, errno);
  // Guard page: a handler that overflows faults there, and the fault handler (delivered at
  // the top of this same stack again, since the faulting SP is outside it) reports it.
  if (mprotect(p, PAGE_SIZE_BYTES, PROT_NONE) != 0)
    gostack_fatalf(0, 0, "signals: cannot protect the alternate stack's guard page (errno %d)",
                   errno);
  stack_t ss = {.ss_sp = (char *)p + PAGE_SIZE_BYTES, .ss_flags = 0, .ss_size = ALTSTACK_SIZE};
  if (sigaltstack(&ss, NULL) != 0)
    gostack_fatalf(0, 0, "signals: sigaltstack failed (errno %d)", errno);
  pthread_once(&altstack_key_once, make_altstack_key);
  pthread_setspecific(altstack_key, p);
  thread_state.alt_lo = (uintptr_t)ss.ss_sp;
  thread_state.alt_hi = (uintptr_t)ss.ss_sp + ALTSTACK_SIZE;
}

static void record_system_stack(void) {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0)
    return; // overflows of this stack are then reported as ordinary faults
  void *addr;
  size_t size;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
    thread_state.sys_lo = (uintptr_t)addr;
    thread_state.sys_hi = (uintptr_t)addr + size;
  }
  pthread_attr_destroy(&attr);
}

// ---- SIGSEGV / SIGBUS ----------------------------------------------------------------------------

static _Noreturn void fault_fatal(const ucontext_t *uc, const char *what, uintptr_t lo,
                                  uintptr_t hi, uintptr_t addr) {
  gostack_task *t = gostack_m_tls.curtask;
  uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
  uintptr_t fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
  uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
  gostack_fatalf(pc, fp,
                 "stack overflow in uninstrumented code / signal handler: %s [%#lx, %#lx) of "
                 "%zu bytes is exhausted (fault at %#lx, SP %#lx, pc %#lx; task %llu%s)",
                 what, (unsigned long)lo, (unsigned long)hi, (size_t)(hi - lo),
                 (unsigned long)addr, (unsigned long)sp, (unsigned long)pc,
                 (unsigned long long)(t ? t->id : 0), t ? "" : ", no task on this thread");
}

// A fault the runtime explains: an access to a quarantined stack (GOSTACK_DEBUG=verifymove),
// or an overflow of the alternate stack or of the thread's system stack. Does not return then.
static void report_stack_fault(siginfo_t *si, const ucontext_t *uc) {
  uintptr_t addr = (uintptr_t)si->si_addr;
  gostack_quarantined q;
  if (gostack_stack_quarantine_find(addr, &q)) {
    gostack_task *t = gostack_m_tls.curtask;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uintptr_t fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
    if (q.task_id)
      gostack_fatalf(pc, fp,
                     "verifymove: access to task %llu's old stack [%#lx, %#lx) (%zu bytes) at "
                     "%#lx after it moved: a pointer into the stack was not relocated "
                     "(running: task %llu, stack [%#lx, %#lx))",
                     (unsigned long long)q.task_id, (unsigned long)q.lo, (unsigned long)q.hi,
                     (size_t)(q.hi - q.lo), (unsigned long)addr,
                     (unsigned long long)(t ? t->id : 0),
                     (unsigned long)(t ? t->stack.lo : 0), (unsigned long)(t ? t->stack.hi : 0));
    gostack_fatalf(pc, fp,
                   "verifymove: access to freed stack memory [%#lx, %#lx) (%zu bytes) at %#lx: a "
                   "finished task's stack or a released pinned chunk (running: task %llu)",
                   (unsigned long)q.lo, (unsigned long)q.hi, (size_t)(q.hi - q.lo),
                   (unsigned long)addr, (unsigned long long)(t ? t->id : 0));
  }
  uintptr_t alt_lo = thread_state.alt_lo;
  if (alt_lo && addr < alt_lo && addr >= alt_lo - PAGE_SIZE_BYTES)
    fault_fatal(uc, "the alternate signal stack", alt_lo, thread_state.alt_hi, addr);
  uintptr_t sys_lo = thread_state.sys_lo;
  if (sys_lo && addr < sys_lo + PAGE_SIZE_BYTES && addr >= sys_lo - SYSTEM_STACK_GUARD_ZONE)
    fault_fatal(uc, "the thread's system stack", sys_lo, thread_state.sys_hi, addr);
}

static void fault_handler(int sig, siginfo_t *si, void *uc) {
  int saved_errno = errno;
  if (si->si_code > 0) // raised by the kernel for a real fault, not sent with kill/raise
    report_stack_fault(si, uc);
  uintptr_t handler;
  int flags;
  unsigned seq;
  read_action(sig, &handler, &flags, &seq);
  if (is_function(handler)) {
    if (flags & SA_RESETHAND)
      reset_after_delivery(sig, seq);
    errno = saved_errno;
    call_user(sig, si, uc, handler, flags);
    return;
  }
  if (handler == (uintptr_t)SIG_IGN && si->si_code <= 0) {
    errno = saved_errno;
    return; // a sent signal the program ignores (a real fault cannot be ignored)
  }
  // The default action: step aside. A real fault happens again when the instruction is
  // retried; a sent signal is raised again and delivered once this handler returns.
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  real_sigaction()(sig, &dfl, NULL);
  if (si->si_code <= 0)
    raise(sig);
  errno = saved_errno;
}

// ---- The interposed functions --------------------------------------------------------------------

// What the kernel gets for the program's action.
static void kernel_action(int sig, uintptr_t handler, int flags, const sigset_t *mask,
                          struct sigaction *k) {
  memset(k, 0, sizeof *k);
  k->sa_mask = *mask;
  if (is_fault_signal(sig) && atomic_load(&fault_handler_on)) {
    // Stays ours whatever the program wants: quarantine and overflow faults are reported
    // first, the rest is passed on (SA_RESETHAND is emulated in the table).
    k->sa_sigaction = fault_handler;
    k->sa_flags = SA_SIGINFO | SA_ONSTACK | (flags & SA_NODEFER);
    return;
  }
  if (!is_function(handler)) {
    k->sa_handler = (plain_handler)handler;
    k->sa_flags = flags;
    return;
  }
  k->sa_sigaction = trampoline;
  k->sa_flags = flags | SA_SIGINFO | SA_ONSTACK;
}

int sigaction(int sig, const struct sigaction *act, struct sigaction *oact) {
  sigaction_fn real = real_sigaction();
  // Invalid and uncatchable signals: libc's answer (EINVAL, or the query) as it is.
  if (sig <= 0 || sig >= _NSIG || sig == SIGKILL || sig == SIGSTOP)
    return real(sig, act, oact);
  sigset_t saved;
  lock_table(&saved);
  struct user_action *a = &actions[sig];
  bool had = a->valid;
  uintptr_t old_handler = atomic_load_explicit(&a->handler, memory_order_relaxed);
  int old_flags = atomic_load_explicit(&a->flags, memory_order_relaxed);
  sigset_t old_mask = a->mask;
  struct sigaction kernel_old;
  int rc = 0;
  if (!had) // installed before us (or inherited across exec): the kernel's view is the program's
    rc = real(sig, NULL, &kernel_old);
  if (rc == 0 && act) {
    struct sigaction k;
    kernel_action(sig, (uintptr_t)act->sa_handler, act->sa_flags, &act->sa_mask, &k);
    // The table first: a signal delivered to the trampoline from now on finds the new handler.
    write_action(sig, (uintptr_t)act->sa_handler, act->sa_flags, &act->sa_mask);
    rc = real(sig, &k, NULL);
    if (rc != 0) { // libc refused (glibc's internal signals): undo
      int e = errno;
      if (had)
        write_action(sig, old_handler, old_flags, &old_mask);
      else
        a->valid = false;
      errno = e;
    }
  }
  if (rc == 0 && oact) {
    if (had) {
      memset(oact, 0, sizeof *oact);
      oact->sa_handler = (plain_handler)old_handler;
      oact->sa_flags = old_flags;
      oact->sa_mask = old_mask;
    } else {
      *oact = kernel_old;
    }
  }
  unlock_table(&saved);
  return rc;
}

// glibc implements these with its internal sigaction, which would bypass ours.
static sighandler_t set_handler(int sig, sighandler_t handler, int flags, bool mask_self) {
  if (handler == SIG_ERR || sig <= 0 || sig >= _NSIG) {
    errno = EINVAL;
    return SIG_ERR;
  }
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = handler;
  sigemptyset(&act.sa_mask);
  if (mask_self)
    sigaddset(&act.sa_mask, sig);
  act.sa_flags = flags;
  if (sigaction(sig, &act, &old) != 0)
    return SIG_ERR;
  return old.sa_handler;
}

// BSD semantics, as glibc's signal: the handler stays, the signal is blocked while it runs,
// interrupted system calls restart.
sighandler_t signal(int sig, sighandler_t handler) {
  return set_handler(sig, handler, SA_RESTART, true);
}
sighandler_t bsd_signal(int sig, sighandler_t handler) {
  return set_handler(sig, handler, SA_RESTART, true);
}
sighandler_t ssignal(int sig, sighandler_t handler) {
  return set_handler(sig, handler, SA_RESTART, true);
}

// System V semantics (what <signal.h> maps signal to in strict ISO C modes): one-shot, not
// blocked while running, no restart.
sighandler_t sysv_signal(int sig, sighandler_t handler) {
  return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER, false);
}
sighandler_t __sysv_signal(int sig, sighandler_t handler) {
  return set_handler(sig, handler, SA_RESETHAND | SA_NODEFER, false);
}

// ---- Initialization ------------------------------------------------------------------------------

// SIGSEGV and SIGBUS get fault_handler for good; what was there before (the program's, through
// us or not) becomes the handler it chains to.
static void install_fault_handlers(void) {
  static const int sigs[] = {SIGSEGV, SIGBUS};
  sigaction_fn real = real_sigaction();
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    int sig = sigs[i];
    sigset_t saved;
    lock_table(&saved);
    struct user_action *a = &actions[sig];
    if (!a->valid) {
      struct sigaction cur;
      if (real(sig, NULL, &cur) == 0)
        write_action(sig, (uintptr_t)cur.sa_handler, cur.sa_flags, &cur.sa_mask);
    }
    atomic_store(&fault_handler_on, true);
    struct sigaction k;
    kernel_action(sig, atomic_load(&a->handler), atomic_load(&a->flags), &a->mask, &k);
    if (real(sig, &k, NULL) != 0)
      gostack_fatalf(0, 0, "signals: cannot install the handler for signal %d (errno %d)", sig,
                     errno);
    unlock_table(&saved);
  }
}

static void init_slow(void *unused) {
  (void)unused;
  static pthread_once_t process_once = PTHREAD_ONCE_INIT;
  pthread_once(&process_once, install_fault_handlers);
  install_altstack();
  record_system_stack();
  thread_state.ready = true;
}

void gostack_signals_init(void) {
  if (thread_state.ready)
    return;
  gostack_m *m = &gostack_m_tls;
  // mmap and pthread_getattr_np need more than a task's guard reserve.
  if (m->curtask && !m->on_system_stack)
    __gostack_systemstack_call(init_slow, NULL);
  else
    init_slow(NULL);
}

bool gostack_signals_altstack(uintptr_t *lo, uintptr_t *hi) {
  if (!thread_state.alt_lo)
    return false;
  *lo = thread_state.alt_lo;
  *hi = thread_state.alt_hi;
  return true;
}
