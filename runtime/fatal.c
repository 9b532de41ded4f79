// Fatal errors and backtraces (Go's throw + traceback).
//
// Runs on a thread's system stack when something is already badly wrong (stack overflow, a
// corrupt stack, out of memory), so it trusts nothing: frame records are read with
// process_vm_readv (or /proc/self/mem) and never dereferenced, the symbolizer child has a hard
// deadline, and no user code is called (no atfork handlers, no SIGCHLD, no malloc).
#include "internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// Deep chains (a runaway recursion has a million frames): print the innermost BT_HEAD frames,
// one "elided" line and the outermost BT_TAIL, where the recursion started.
#define BT_HEAD 40
#define BT_TAIL 10
#define BT_PRINTED (BT_HEAD + BT_TAIL)
// Walk bound even for a corrupt but increasing chain: a 1 GB stack of minimal 16-byte frames
// has 2^26 of them.
#define BT_MAX_WALK ((size_t)1 << 27)
#define BT_PAGE 4096u
// llvm-symbolizer gets this long to start, load debug info and answer; then it is killed.
#define SYMBOLIZER_TIMEOUT_MS 5000
#define SYM_IN_MAX (16u << 10)  // query lines for <= 50 frames; longer module paths are skipped
#define SYM_OUT_MAX (64u << 10) // verbose answers, a few inlined levels per frame
#define LINE_MAX_BYTES 2048     // one output line; longer C++ names are truncated
#define MODULE_PATH_MAX 4096

extern char **environ;

// ---- output -----------------------------------------------------------------------------------

static void write_all(int fd, const char *p, size_t n) {
  // write(2) directly: stdio may be locked or corrupt in a dying process.
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return;
    p += w;
    n -= (size_t)w;
  }
}

// Backtrace lines are built in a static buffer (callers hold bt_lock): the system stack the
// runtime calls us on may be small, so big buffers stay off it.
static char line_buf[LINE_MAX_BYTES];
static size_t line_len;

__attribute__((format(printf, 1, 2))) static void add(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line_buf + line_len, sizeof line_buf - 1 - line_len, fmt, ap);
  va_end(ap);
  if (n > 0) // on truncation keep the last byte free for the newline
    line_len = line_len + (size_t)n < sizeof line_buf - 1 ? line_len + (size_t)n
                                                           : sizeof line_buf - 2;
}

static void end_line(int fd) { // always a whole line, even when truncated
  line_buf[line_len++] = '\n';
  write_all(fd, line_buf, line_len);
  line_len = 0;
}

// ---- reading frame records without faulting ---------------------------------------------------

static pid_t self_pid;
static int mem_mode; // 0: process_vm_readv, 1: /proc/self/mem (seccomp forbids the former), 2: none
static int mem_fd = -1;

static bool read_mem(uintptr_t addr, void *dst, size_t n) {
  if (mem_mode == 0) {
    struct iovec l = {dst, n}, r = {(void *)addr, n};
    ssize_t got = process_vm_readv(self_pid, &l, 1, &r, 1, 0);
    if (got >= 0 || (errno != EPERM && errno != ENOSYS))
      return got == (ssize_t)n;
    mem_mode = 1;
  }
  if (mem_mode == 1 && mem_fd < 0 && (mem_fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC)) < 0)
    mem_mode = 2;
  if (mem_mode == 1)
    return addr <= (uintptr_t)INTPTR_MAX && pread(mem_fd, dst, n, (off_t)addr) == (ssize_t)n;
  return false;
}

// One page of memory copied at a time: a deep recursion packs many records in a page, so a
// million-frame walk costs thousands of syscalls, not millions.
static struct {
  uintptr_t base;
  bool valid;
  unsigned char bytes[BT_PAGE];
} win;

static bool read_record(uintptr_t fp, uintptr_t rec[2]) {
  uintptr_t page = fp & ~(uintptr_t)(BT_PAGE - 1);
  if (fp > UINTPTR_MAX - 16)
    return false;
  if (fp + 16 > page + BT_PAGE) // straddles two pages
    return read_mem(fp, rec, 16);
  if (!win.valid || win.base != page) {
    win.base = page;
    win.valid = read_mem(page, win.bytes, BT_PAGE);
    if (!win.valid)
      return false;
  }
  memcpy(rec, win.bytes + (fp - page), 16);
  return true;
}

// ---- walking ----------------------------------------------------------------------------------

static struct {
  uintptr_t head[BT_HEAD]; // frames 0..BT_HEAD-1
  uintptr_t tail[BT_TAIL]; // ring of the last BT_TAIL frames past the head
  size_t total;
} frames;

static void record(uintptr_t pc) {
  if (frames.total < BT_HEAD)
    frames.head[frames.total] = pc;
  else
    frames.tail[(frames.total - BT_HEAD) % BT_TAIL] = pc;
  frames.total++;
}

static uintptr_t frame_pc(size_t i) {
  return i < BT_HEAD ? frames.head[i] : frames.tail[(i - BT_HEAD) % BT_TAIL];
}

// Return addresses of the runtime's stack switches (switch.S, morestack.S): the frame record
// that returns there is the last one on one stack, and its caller's record is on another (the
// task stack below a foreign call, the stack below a linked segment), at any address.
extern char __gostack_systemstack_switched_ret[] __attribute__((weak));
extern char __gostack_morestack_linked_ret[] __attribute__((weak));

static bool crosses_stacks(uintptr_t ret) {
  return ret && (ret == (uintptr_t)__gostack_systemstack_switched_ret ||
                 ret == (uintptr_t)__gostack_morestack_linked_ret);
}

// x86-64 frame records: [fp] = caller's fp, [fp+8] = return address into the caller. Frame 0 is
// pc itself, and fp must be the frame pointer of the function pc is in; every pc is treated as
// a return address (symbolized at pc-1). Stops at the end of the chain or anything implausible:
// fp 0, misaligned, unreadable, not increasing -- except where the return address is one of the
// runtime's stack switches, whose caller's frame is on another stack.
static void walk(uintptr_t pc, uintptr_t ret, uintptr_t fp) {
  frames.total = 0;
  win.valid = false;
  self_pid = getpid(); // not cached across fork: death-test children walk their own memory
  if (pc != 0)
    record(pc);
  if (ret != 0)
    record(ret); // pc's function has no frame record yet (at its entry): its return address
  while (fp != 0 && (fp & 7) == 0 && frames.total < BT_MAX_WALK) {
    uintptr_t rec[2];
    if (!read_record(fp, rec) || rec[1] == 0)
      break;
    record(rec[1]);
    if (rec[0] <= fp && !crosses_stacks(rec[1]))
      break;
    fp = rec[0];
  }
}

// ---- modules ----------------------------------------------------------------------------------

struct module {
  const char *name; // display name; NULL when pc is in no loaded object
  uintptr_t bias;   // load bias: pc - bias is the address in the file (what symbolizers want)
  bool main_program;
};

static char exe_path[MODULE_PATH_MAX];

static int find_module_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  uintptr_t *q = data; // q[0] = address in, q[1] = info out
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && q[0] - (info->dlpi_addr + ph->p_vaddr) < ph->p_memsz) {
      q[1] = (uintptr_t)info;
      return 1;
    }
  }
  return 0;
}

static struct module find_module(uintptr_t addr) {
  struct module m = {NULL, 0, false};
  uintptr_t q[2] = {addr, 0};
  // Takes the loader's lock; it is only held briefly by dlopen/dlclose elsewhere.
  if (dl_iterate_phdr(find_module_cb, q) && q[1]) {
    struct dl_phdr_info *info = (struct dl_phdr_info *)q[1];
    m.bias = info->dlpi_addr;
    m.main_program = info->dlpi_name == NULL || info->dlpi_name[0] == '\0';
    m.name = m.main_program ? exe_path : info->dlpi_name;
  }
  return m;
}

// ---- symbolizer ---------------------------------------------------------------------------------

static char sym_in[SYM_IN_MAX];
static char sym_out[SYM_OUT_MAX];
static size_t sym_out_len;

// Finds `name` in $PATH; writes the full path to out.
static bool search_path(const char *name, char *out, size_t cap) {
  const char *path = getenv("PATH");
  while (path && *path) {
    const char *colon = strchr(path, ':');
    size_t len = colon ? (size_t)(colon - path) : strlen(path);
    int n = snprintf(out, cap, "%.*s/%s", (int)len, len ? path : ".", name);
    if (n > 0 && (size_t)n < cap && access(out, X_OK) == 0)
      return true;
    path = colon ? colon + 1 : NULL;
  }
  return false;
}

// GOSTACK_SYMBOLIZER (authoritative when set: a bad value means no symbolizer), then
// llvm-symbolizer-19 / llvm-symbolizer in PATH, then the Debian LLVM 19 location.
static bool find_symbolizer(char *out, size_t cap) {
  const char *env = getenv("GOSTACK_SYMBOLIZER");
  if (env && *env) {
    if (strchr(env, '/'))
      return snprintf(out, cap, "%s", env) < (int)cap && access(out, X_OK) == 0;
    return search_path(env, out, cap);
  }
  if (search_path("llvm-symbolizer-19", out, cap) || search_path("llvm-symbolizer", out, cap))
    return true;
  return snprintf(out, cap, "/usr/lib/llvm-19/bin/llvm-symbolizer") < (int)cap &&
         access(out, X_OK) == 0;
}

static int ms_since(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

// Feeds `in` to the child on `fd` and collects its answer into sym_out until EOF or the deadline.
static void converse(int fd, const char *in, size_t in_len) {
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  size_t sent = 0;
  sym_out_len = 0;
  for (;;) {
    int left = SYMBOLIZER_TIMEOUT_MS - ms_since(&t0);
    if (left <= 0 || sym_out_len == SYM_OUT_MAX)
      return;
    struct pollfd p = {fd, (short)(POLLIN | (sent < in_len ? POLLOUT : 0)), 0};
    if (poll(&p, 1, left) < 0 && errno != EINTR)
      return;
    if ((p.revents & POLLOUT) && sent < in_len) {
      ssize_t n = send(fd, in + sent, in_len - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0 && (sent += (size_t)n) == in_len)
        shutdown(fd, SHUT_WR); // end of input: the symbolizer answers and exits
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(fd, sym_out + sym_out_len, SYM_OUT_MAX - sym_out_len, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        return;
      if (n > 0)
        sym_out_len += (size_t)n;
    }
  }
}

// Child side, in a copy of this process: becomes the symbolizer's parent and waits for it. An
// exec'ed child's exit always raises SIGCHLD in its parent (the kernel resets its exit signal on
// exec), so the exec happens one level down: our direct child never execs and exits silently.
static _Noreturn void supervise(const char *tool, const int sv[2], int devnull,
                                const sigset_t *mask) {
  char *argv[] = {(char *)tool, "--verbose", "--inlines", "--demangle", NULL};
  int sock = fcntl(sv[1], F_DUPFD, 3); // above 0-2, so the dup2s below always really copy
  int err = devnull >= 0 ? fcntl(devnull, F_DUPFD, 3) : sock;
  dup2(sock, 0);
  dup2(sock, 1);
  dup2(err, 2); // "cannot open file" diagnostics are not ours
  close(sock);
  close(err);
  close(sv[0]);
  close(sv[1]);
  close_range(3, ~0u, 0); // hold none of the program's files (a pipe's EOF must not wait for us)
  pid_t me = getpid();
  pid_t sym = (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
  if (sym == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL); // killing the supervisor kills the symbolizer
    if (getppid() != me)
      _exit(127);
    pthread_sigmask(SIG_SETMASK, mask, NULL);
    // An address-space cap the program set on itself (the fatal error may be its out-of-memory)
    // would keep the symbolizer from starting: lift the soft limit as far as the hard one.
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != as.rlim_max) {
      as.rlim_cur = as.rlim_max;
      setrlimit(RLIMIT_AS, &as);
    }
    execve(tool, argv, environ);
    _exit(127);
  }
  close(0);
  close(1); // the symbolizer's copies alone keep the socket open: its exit means EOF
  while (sym > 0 && waitpid(sym, NULL, 0) < 0 && errno == EINTR) {
  }
  _exit(0);
}

// Runs the symbolizer on `in` and leaves its output in sym_out. Children are made with raw
// clone (fork would run pthread_atfork handlers) with every signal blocked (no user handler runs
// in them); the direct child exits without a signal (no SIGCHLD handler runs here, no user
// waitpid(-1) can reap it) and is always killed and reaped before returning.
static void run_symbolizer(const char *tool, const char *in, size_t in_len) {
  int sv[2];
  sym_out_len = 0;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return;
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = (pid_t)syscall(SYS_clone, 0 /* no exit signal */, NULL, NULL, NULL, NULL);
  if (pid == 0)
    supervise(tool, sv, devnull, &old);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  close(sv[1]);
  if (devnull >= 0)
    close(devnull);
  if (pid > 0) {
    converse(sv[0], in, in_len);
    kill(pid, SIGKILL); // harmless if it already exited; guarantees the wait below returns
    while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR) {
    }
  }
  close(sv[0]);
}

// The text the symbolizer printed for query number `q` (answers end with an empty line).
static const char *answer(int q, size_t *len) {
  const char *p = sym_out, *end = sym_out + sym_out_len;
  for (; p < end; q--) {
    const char *stop = memmem(p, (size_t)(end - p), "\n\n", 2);
    if (!stop)
      return NULL; // incomplete (timeout or overflow)
    if (q == 0) {
      *len = (size_t)(stop - p) + 1;
      return p;
    }
    p = stop + 2;
  }
  return NULL;
}

// ---- printing ---------------------------------------------------------------------------------

struct frame_text {
  size_t index;
  uintptr_t pc;
  struct module mod;
};

// "  #N 0xPC in name+0xOFF (module) file:line" with whatever parts are known.
static void print_frame(int fd, const struct frame_text *f, const char *name, bool inlined,
                        uintptr_t start, const char *file, unsigned line) {
  uintptr_t file_pc = f->pc - f->mod.bias;
  Dl_info di;
  if ((!name || !strcmp(name, "??")) && dladdr((void *)(f->pc - 1), &di) && di.dli_sname) {
    name = di.dli_sname; // dynamic symbols only: exported functions
    start = (uintptr_t)di.dli_saddr - f->mod.bias;
  }
  add("  #%zu 0x%lx in ", f->index, (unsigned long)f->pc);
  if (name && strcmp(name, "??")) {
    add("%s", name);
    if (inlined)
      add(" (inlined)");
    else if (start && start <= file_pc)
      add("+0x%lx", (unsigned long)(file_pc - start));
    add(" (%s)", f->mod.name ? f->mod.name : "?");
  } else if (f->mod.name) {
    add("?? (%s+0x%lx)", f->mod.name, (unsigned long)file_pc);
  } else {
    add("??");
  }
  if (file && file[0] && strcmp(file, "??"))
    add(line ? " %s:%u" : " %s", file, line);
  end_line(fd);
}

static void copy_field(char *dst, size_t cap, const char *s, size_t n) {
  if (n >= cap)
    n = cap - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}

// One verbose answer: entries are a name line plus "  Key: value" lines, innermost inlined
// function first; the last entry is the function that owns the frame.
static void print_answer(int fd, const struct frame_text *f, const char *p, size_t len) {
  static char name[1024], file[MODULE_PATH_MAX];
  unsigned line = 0;
  uintptr_t start = 0;
  bool have = false;
  for (const char *end = p + len; p < end;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (n > 0 && p[0] != ' ') { // a new entry: the previous one was inlined into it
      if (have)
        print_frame(fd, f, name, true, start, file, line);
      copy_field(name, sizeof name, p, n);
      file[0] = '\0';
      line = 0;
      start = 0;
      have = true;
    } else if (n > 12 && !memcmp(p, "  Filename: ", 12)) {
      copy_field(file, sizeof file, p + 12, n - 12);
    } else if (n > 8 && !memcmp(p, "  Line: ", 8)) {
      line = (unsigned)strtoul(p + 8, NULL, 10);
    } else if (n > 26 && !memcmp(p, "  Function start address: ", 26)) {
      start = (uintptr_t)strtoull(p + 26, NULL, 16);
    }
    p += n + 1;
  }
  print_frame(fd, f, have ? name : NULL, false, start, file, line);
}

// Symbolizes the selected frames in one symbolizer run and prints them.
static void print_selected(int fd, struct frame_text *sel, size_t n) {
  int query[BT_PRINTED];
  size_t in_len = 0;
  int queries = 0;
  static char tool[MODULE_PATH_MAX];
  const char *enabled = getenv("GOSTACK_SYMBOLIZE"); // "0": skip it (fast tests)
  bool symbolize = !(enabled && !strcmp(enabled, "0")) && find_symbolizer(tool, sizeof tool);
  char pidexe[32]; // the main program by a path that also works from the symbolizer
  snprintf(pidexe, sizeof pidexe, "/proc/%d/exe", (int)self_pid);
  for (size_t i = 0; i < n; i++) {
    query[i] = -1;
    const struct module *m = &sel[i].mod;
    if (!symbolize || !m->name || strpbrk(m->name, "\"\n"))
      continue;
    int w = snprintf(sym_in + in_len, SYM_IN_MAX - in_len, "\"%s\" 0x%lx\n",
                     m->main_program ? pidexe : m->name,
                     (unsigned long)(sel[i].pc - 1 - m->bias)); // pc-1: inside the call
    if (w > 0 && (size_t)w < SYM_IN_MAX - in_len) {
      in_len += (size_t)w;
      query[i] = queries++;
    }
  }
  if (queries > 0)
    run_symbolizer(tool, sym_in, in_len);
  for (size_t i = 0; i < n; i++) {
    if (i > 0 && sel[i].index != sel[i - 1].index + 1) {
      add("  ... %zu frames elided ...", sel[i].index - sel[i - 1].index - 1);
      end_line(fd);
    }
    size_t len = 0;
    const char *a = query[i] >= 0 ? answer(query[i], &len) : NULL;
    if (a)
      print_answer(fd, &sel[i], a, len);
    else
      print_frame(fd, &sel[i], NULL, false, 0, NULL, 0);
  }
}

static atomic_flag bt_lock = ATOMIC_FLAG_INIT; // guards the static buffers above

static void backtrace_from(int fd, uintptr_t pc, uintptr_t ret, uintptr_t fp) {
  while (atomic_flag_test_and_set_explicit(&bt_lock, memory_order_acquire))
    sched_yield();
  ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
  exe_path[n > 0 ? n : 0] = '\0';
  if (n <= 0)
    snprintf(exe_path, sizeof exe_path, "/proc/self/exe");
  walk(pc, ret, fp);
  static struct frame_text sel[BT_PRINTED];
  size_t count = 0;
  for (size_t i = 0; i < frames.total; i++) {
    if (i == BT_HEAD && frames.total > BT_PRINTED)
      i = frames.total - BT_TAIL; // skip to the outermost frames
    sel[count].index = i;
    sel[count].pc = frame_pc(i);
    sel[count].mod = find_module(sel[count].pc - 1); // return address: the call is before it
    count++;
  }
  print_selected(fd, sel, count);
  atomic_flag_clear_explicit(&bt_lock, memory_order_release);
}

__attribute__((noinline)) void gostack_print_backtrace(int fd, uintptr_t pc, uintptr_t fp) {
  if (pc == 0 && fp == 0) { // start at our caller; __builtin_frame_address forces our own fp
    pc = (uintptr_t)__builtin_return_address(0);
    fp = *(uintptr_t *)__builtin_frame_address(0);
  }
  backtrace_from(fd, pc, 0, fp);
}

// Where the task was when the runtime was entered (newstack.c sets it for the duration of a
// move): fatal errors raised deep inside the runtime (stackalloc out of memory) show the task's
// frames too, not only the runtime's.
static __thread struct {
  uintptr_t pc, ret, fp;
} entry_ctx;

void gostack_fatal_set_entry(uintptr_t pc, uintptr_t ret, uintptr_t fp) {
  entry_ctx.pc = pc;
  entry_ctx.ret = ret;
  entry_ctx.fp = fp;
}

// ---- fatal --------------------------------------------------------------------------------------

static _Atomic pid_t fatal_owner; // thread reporting a fatal error; others wait for its _exit

// Flush what the program printed so far, but never wait for a stream lock (the lock holder may
// be the thread that is dying).
static void flush_stdio(void) {
  FILE *streams[2] = {stdout, stderr};
  for (int i = 0; i < 2; i++) {
    if (ftrylockfile(streams[i]) == 0) {
      fflush_unlocked(streams[i]);
      funlockfile(streams[i]);
    }
  }
}

static void write_message(const char *fmt, va_list ap) {
  static const char prefix[] = "gostack: fatal: ";
  char msg[1024];
  memcpy(msg, prefix, sizeof prefix - 1);
  int n = vsnprintf(msg + sizeof prefix - 1, sizeof msg - sizeof prefix, fmt, ap);
  size_t len = sizeof prefix - 1 + (n < 0 ? 0 : (size_t)n);
  if (len > sizeof msg - 2)
    len = sizeof msg - 2; // truncated message
  msg[len++] = '\n';
  write_all(2, msg, len);
}

__attribute__((noinline)) _Noreturn void gostack_fatalf(uintptr_t pc, uintptr_t fp,
                                                        const char *fmt, ...) {
  uintptr_t self_pc = (uintptr_t)__builtin_return_address(0);
  uintptr_t self_fp = *(uintptr_t *)__builtin_frame_address(0);
  pid_t me = gettid(), owner = 0;
  va_list ap;
  va_start(ap, fmt);
  if (!atomic_compare_exchange_strong(&fatal_owner, &owner, me)) {
    if (owner != me)
      for (;;)
        pause(); // the first fatal error ends the process; report only that one
    write_message(fmt, ap); // fatal while reporting a fatal: no second backtrace
    _exit(2);
  }
  flush_stdio();
  write_message(fmt, ap);
  va_end(ap);
  write_all(2, "backtrace:\n", 11);
  if (pc == 0 && fp == 0 && entry_ctx.pc != 0) {
    pc = entry_ctx.pc;
    fp = entry_ctx.fp;
  }
  if (pc == 0 && fp == 0) {
    backtrace_from(2, self_pc, 0, self_fp);
  } else {
    backtrace_from(2, pc, pc == entry_ctx.pc ? entry_ctx.ret : 0, fp);
    write_all(2, "runtime backtrace:\n", 19);
    backtrace_from(2, self_pc, 0, self_fp);
  }
  _exit(2); // Go exits with status 2 on a fatal error
}
