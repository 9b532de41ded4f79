// Channels on the M:N scheduler: a 3-stage pipeline of tasks moving 200,000 values over
// unbuffered, cap-1 and cap-64 channels (order-sensitive hash and sum); 4 producers and 4
// consumers on one channel (every value received exactly once: per-value counts, sum, xor);
// close semantics (a closed buffered channel drains, then recv returns false with *out zeroed;
// send on a closed channel returns false; receivers and senders blocked when it closes get
// false); elem_size 0 channels as signals and as a broadcast by close; 40-byte elements in
// order; tasks that recurse thousands of frames deep (growing and moving their stacks) between
// channel operations, a ping-pong between two such tasks included; blocking channel calls made
// right above a fresh task's guard, so that the runtime's frames run in the guard reserve.
//
// Every number checked below is computed independently (closed forms, or Python replicating
// e2e_mix) and checked both in the program (E2E_CHECK) and by FileCheck. Each binary runs with
// the default number of processors and with one. argv[1] is the recursion depth (%depth_mid:
// smaller under --param movestack=1); no printed number depends on it.
//
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.g0 %depth_mid > %t.g0.out
// RUN: FileCheck %s --input-file=%t.g0.out
// RUN: env GOSTACK_PROCS=1 %t.g0 %depth_mid > %t.g0p1.out
// RUN: FileCheck %s --input-file=%t.g0p1.out
// RUN: %t.g2 %depth_mid > %t.g2.out
// RUN: FileCheck %s --input-file=%t.g2.out
// RUN: env GOSTACK_PROCS=1 %t.g2 %depth_mid > %t.g2p1.out
// RUN: FileCheck %s --input-file=%t.g2p1.out
//
// sum = sum(i*i+7 for i in range(200000)); hash: h=0; for i: h = e2e_mix(h, i*i+7).
// CHECK: pipeline cap=0: n=200000 sum=2666646668100000 hash=5d3d25af6b9e19a7 deep=ok
// CHECK-NEXT: pipeline cap=1: n=200000 sum=2666646668100000 hash=5d3d25af6b9e19a7 deep=ok
// CHECK-NEXT: pipeline cap=64: n=200000 sum=2666646668100000 hash=5d3d25af6b9e19a7 deep=ok
// f(i) = i*2654435761 mod 2^32 for i < 200000: sum and xor.
// CHECK-NEXT: mpmc cap=0: n=200000 sum=429496862348128 xor=f5634000 once=1 late-send=0 late-recv=0:0
// CHECK-NEXT: mpmc cap=16: n=200000 sum=429496862348128 xor=f5634000 once=1 late-send=0 late-recv=0:0
// CHECK-NEXT: close: len=3 cap=4 got=10,20,30 then=0:0 again=0:0 send=0 len=0
// CHECK-NEXT: close: blocked receivers=5 false=5 zeroed=5
// CHECK-NEXT: close: blocked sender got 0
// CHECK-NEXT: close: full buffer, blocked sender got 0, drained=7,8 then=0
// CHECK-NEXT: signals: workers=50 signals=50 sum=1275 len3=3 cap=0
// CHECK-NEXT: broadcast: waiters=20 woken=20 acks=20
// 40-byte elements: sum of seq over 10,000 and the derived fields all consistent.
// CHECK-NEXT: big cap=0: n=10000 in-order=1 consistent=1 seqsum=49995000
// CHECK-NEXT: big cap=3: n=10000 in-order=1 consistent=1 seqsum=49995000
// CHECK-NEXT: pingpong: rounds=200 token=400 deep=ok
// CHECK-NEXT: guard: tasks=96 ok=96 near-guard=1
// CHECK-NEXT: sched_channels: ok

#include "Inputs/e2e.h"

#include <stdbool.h>

/* runtime/internal.h, GOSTACK_STACK_GUARD */
#define GOSTACK_STACK_GUARD_FOR_TEST 928

static long depth = 100000;
static long grow_bad;

/* A deep recursion whose result is checked against the same recursion's model: e2e_grow's
 * value depends only on (n, h). */
static uint64_t grow_model(long n, uint64_t h) {
  uint64_t hs_last = h;
  /* e2e_grow: r(0,h) = h; r(n,h) = r(n-1, mix(h,n)) ^ n. */
  uint64_t x = 0;
  for (long k = n; k > 0; k--)
    hs_last = e2e_mix(hs_last, (uint64_t)k);
  x = hs_last;
  for (long k = 1; k <= n; k++)
    x ^= (uint64_t)k;
  return x;
}

static int deep_ok(long n, uint64_t h) {
  long bad = 0;
  uint64_t r = e2e_grow(n, h, &bad);
  __atomic_fetch_add(&grow_bad, bad, __ATOMIC_RELAXED);
  return bad == 0 && r == grow_model(n, h);
}

static void sleep_ms(int ms) { gostack_sleep_ns((uint64_t)ms * 1000000u); }

/* ---- Pipeline -------------------------------------------------------------------------------- */

#define PIPE_N 200000

struct pipe {
  gostack_chan *a, *b;
  long deep_depth; /* the middle stage recurses this deep once, halfway through */
  uint64_t sum, hash, n;
  int deep_fail;
};

static void *pipe_gen(void *p) {
  struct pipe *pp = p;
  for (uint64_t i = 0; i < PIPE_N; i++)
    E2E_CHECK(gostack_chan_send(pp->a, &i));
  gostack_chan_close(pp->a);
  return NULL;
}

static void *pipe_square(void *p) {
  struct pipe *pp = p;
  uint64_t v;
  while (gostack_chan_recv(pp->a, &v)) {
    if (v == PIPE_N / 2 && !deep_ok(pp->deep_depth, v))
      pp->deep_fail++;
    uint64_t w = v * v + 7;
    E2E_CHECK(gostack_chan_send(pp->b, &w));
  }
  E2E_CHECK(v == 0);
  gostack_chan_close(pp->b);
  return NULL;
}

static void *pipe_sink(void *p) {
  struct pipe *pp = p;
  uint64_t w, h = 0, s = 0, n = 0;
  while (gostack_chan_recv(pp->b, &w)) {
    if (n == PIPE_N / 4 && !deep_ok(depth / 4, w))
      pp->deep_fail++;
    h = e2e_mix(h, w);
    s += w;
    n++;
  }
  pp->hash = h;
  pp->sum = s;
  pp->n = n;
  return NULL;
}

static void pipeline(size_t cap) {
  struct pipe pp;
  memset(&pp, 0, sizeof pp);
  pp.a = gostack_chan_make(sizeof(uint64_t), cap);
  pp.b = gostack_chan_make(sizeof(uint64_t), cap);
  pp.deep_depth = cap == 0 ? depth : depth / 2;
  gostack_task *t3 = gostack_spawn(pipe_sink, &pp);
  gostack_task *t2 = gostack_spawn(pipe_square, &pp);
  gostack_task *t1 = gostack_spawn(pipe_gen, &pp);
  gostack_join(t1);
  gostack_join(t2);
  gostack_join(t3);
  /* The same computation, sequentially. */
  uint64_t h = 0, s = 0;
  for (uint64_t i = 0; i < PIPE_N; i++) {
    h = e2e_mix(h, i * i + 7);
    s += i * i + 7;
  }
  E2E_CHECK(pp.hash == h && pp.sum == s && pp.n == PIPE_N);
  printf("pipeline cap=%zu: n=%llu sum=%llu hash=%016llx deep=%s\n", cap,
         (unsigned long long)pp.n, (unsigned long long)pp.sum, (unsigned long long)pp.hash,
         pp.deep_fail ? "FAIL" : "ok");
  gostack_chan_free(pp.a);
  gostack_chan_free(pp.b);
}

/* ---- Many producers, many consumers ---------------------------------------------------------- */

#define MP_N 200000
#define MP_P 4
#define MP_C 4

static gostack_chan *mp_chan;
static unsigned char mp_seen[MP_N];

E2E_INLINE uint64_t mp_f(uint64_t i) { return (i * 2654435761u) & 0xffffffffu; }

struct mp_cons {
  uint64_t sum, x, n;
};

static void *mp_producer(void *p) {
  for (uint64_t i = (uint64_t)(intptr_t)p; i < MP_N; i += MP_P) {
    E2E_CHECK(gostack_chan_send(mp_chan, &i));
    if (i / MP_P == MP_N / MP_P / 2 && !deep_ok(depth / 4, i))
      E2E_CHECK(!"deep");
  }
  return NULL;
}

static void *mp_consumer(void *p) {
  struct mp_cons *c = p;
  uint64_t i;
  while (gostack_chan_recv(mp_chan, &i)) {
    E2E_CHECK(i < MP_N);
    __atomic_fetch_add(&mp_seen[i], 1, __ATOMIC_RELAXED);
    c->sum += mp_f(i);
    c->x ^= mp_f(i);
    c->n++;
  }
  return NULL;
}

static void mpmc(size_t cap) {
  mp_chan = gostack_chan_make(sizeof(uint64_t), cap);
  memset(mp_seen, 0, sizeof mp_seen);
  struct mp_cons cons[MP_C];
  gostack_task *ct[MP_C], *pt[MP_P];
  memset(cons, 0, sizeof cons);
  for (int i = 0; i < MP_C; i++)
    ct[i] = gostack_spawn(mp_consumer, &cons[i]);
  for (int i = 0; i < MP_P; i++)
    pt[i] = gostack_spawn(mp_producer, (void *)(intptr_t)i);
  for (int i = 0; i < MP_P; i++)
    gostack_join(pt[i]);
  gostack_chan_close(mp_chan);
  for (int i = 0; i < MP_C; i++)
    gostack_join(ct[i]);
  uint64_t sum = 0, x = 0, n = 0, xs = 0, ss = 0;
  int once = 1;
  for (int i = 0; i < MP_C; i++) {
    sum += cons[i].sum;
    x ^= cons[i].x;
    n += cons[i].n;
  }
  for (uint64_t i = 0; i < MP_N; i++) {
    once &= mp_seen[i] == 1;
    ss += mp_f(i);
    xs ^= mp_f(i);
  }
  E2E_CHECK(sum == ss && x == xs && n == MP_N && once);
  uint64_t late = 77;
  int late_send = gostack_chan_send(mp_chan, &late);
  int late_recv = gostack_chan_recv(mp_chan, &late);
  printf("mpmc cap=%zu: n=%llu sum=%llu xor=%llx once=%d late-send=%d late-recv=%d:%llu\n", cap,
         (unsigned long long)n, (unsigned long long)sum, (unsigned long long)x, once, late_send,
         late_recv, (unsigned long long)late);
  gostack_chan_free(mp_chan);
}

/* ---- Close ----------------------------------------------------------------------------------- */

static gostack_chan *close_chan;
static int close_false, close_zeroed;

static void *blocked_receiver(void *p) {
  (void)p;
  uint64_t v = 0xdeadbeef;
  if (!gostack_chan_recv(close_chan, &v))
    __atomic_fetch_add(&close_false, 1, __ATOMIC_RELAXED);
  if (v == 0)
    __atomic_fetch_add(&close_zeroed, 1, __ATOMIC_RELAXED);
  return NULL;
}

static void *blocked_sender(void *p) {
  uint64_t v = (uint64_t)(intptr_t)p;
  return (void *)(intptr_t)gostack_chan_send(close_chan, &v);
}

static void close_tests(void) {
  gostack_chan *c = gostack_chan_make(sizeof(uint64_t), 4);
  for (uint64_t v = 10; v <= 30; v += 10)
    E2E_CHECK(gostack_chan_send(c, &v));
  gostack_chan_close(c);
  size_t len = gostack_chan_len(c);
  uint64_t got[3] = {0, 0, 0}, then = 0xdeadbeef, again = 0xdeadbeef;
  int ok = 1;
  for (int i = 0; i < 3; i++)
    ok &= gostack_chan_recv(c, &got[i]);
  E2E_CHECK(ok);
  int r1 = gostack_chan_recv(c, &then);
  int r2 = gostack_chan_recv(c, &again);
  uint64_t v = 5;
  int s = gostack_chan_send(c, &v);
  printf("close: len=%zu cap=%zu got=%llu,%llu,%llu then=%d:%llu again=%d:%llu send=%d len=%zu\n",
         len, gostack_chan_cap(c), (unsigned long long)got[0], (unsigned long long)got[1],
         (unsigned long long)got[2], r1, (unsigned long long)then, r2, (unsigned long long)again,
         s, gostack_chan_len(c));
  gostack_chan_free(c);

  /* Receivers blocked on an unbuffered channel when it closes. */
  close_chan = gostack_chan_make(sizeof(uint64_t), 0);
  gostack_task *t[5];
  for (int i = 0; i < 5; i++)
    t[i] = gostack_spawn(blocked_receiver, NULL);
  sleep_ms(5);
  gostack_chan_close(close_chan);
  for (int i = 0; i < 5; i++)
    gostack_join(t[i]);
  printf("close: blocked receivers=5 false=%d zeroed=%d\n", close_false, close_zeroed);
  gostack_chan_free(close_chan);

  /* A sender blocked on an unbuffered channel when it closes. */
  close_chan = gostack_chan_make(sizeof(uint64_t), 0);
  gostack_task *st = gostack_spawn(blocked_sender, (void *)(intptr_t)9);
  sleep_ms(5);
  gostack_chan_close(close_chan);
  printf("close: blocked sender got %d\n", (int)(intptr_t)gostack_join(st));
  gostack_chan_free(close_chan);

  /* A sender blocked on a full buffer when it closes: the buffer still drains. */
  close_chan = gostack_chan_make(sizeof(uint64_t), 2);
  for (uint64_t w = 7; w <= 8; w++)
    E2E_CHECK(gostack_chan_send(close_chan, &w));
  st = gostack_spawn(blocked_sender, (void *)(intptr_t)9);
  sleep_ms(5);
  gostack_chan_close(close_chan);
  int sent = (int)(intptr_t)gostack_join(st);
  uint64_t d0 = 0, d1 = 0, d2 = 1;
  E2E_CHECK(gostack_chan_recv(close_chan, &d0) && gostack_chan_recv(close_chan, &d1));
  int last = gostack_chan_recv(close_chan, &d2);
  E2E_CHECK(d2 == 0);
  printf("close: full buffer, blocked sender got %d, drained=%llu,%llu then=%d\n", sent,
         (unsigned long long)d0, (unsigned long long)d1, last);
  gostack_chan_free(close_chan);
}

/* ---- elem_size 0 ----------------------------------------------------------------------------- */

static gostack_chan *sig_done, *sig_start, *sig_ack;
static long sig_sum, sig_woken;

static void signal_worker(void *p) {
  __atomic_fetch_add(&sig_sum, (long)(intptr_t)p, __ATOMIC_RELAXED);
  E2E_CHECK(gostack_chan_send(sig_done, NULL));
}

static void broadcast_waiter(void *p) {
  (void)p;
  E2E_CHECK(!gostack_chan_recv(sig_start, NULL)); /* released by close */
  __atomic_fetch_add(&sig_woken, 1, __ATOMIC_RELAXED);
  E2E_CHECK(gostack_chan_send(sig_ack, NULL));
}

static void signal_tests(void) {
  sig_done = gostack_chan_make(0, 0);
  for (long i = 1; i <= 50; i++)
    gostack_go(signal_worker, (void *)(intptr_t)i);
  int signals = 0;
  for (int i = 0; i < 50; i++)
    signals += gostack_chan_recv(sig_done, NULL);
  gostack_chan *b = gostack_chan_make(0, 3);
  for (int i = 0; i < 3; i++)
    E2E_CHECK(gostack_chan_send(b, NULL));
  printf("signals: workers=50 signals=%d sum=%ld len3=%zu cap=%zu\n", signals,
         __atomic_load_n(&sig_sum, __ATOMIC_RELAXED), gostack_chan_len(b),
         gostack_chan_cap(sig_done));
  gostack_chan_free(b);
  gostack_chan_free(sig_done);

  sig_start = gostack_chan_make(0, 0);
  sig_ack = gostack_chan_make(0, 20);
  for (int i = 0; i < 20; i++)
    gostack_go(broadcast_waiter, NULL);
  sleep_ms(2);
  gostack_chan_close(sig_start);
  int acks = 0;
  for (int i = 0; i < 20; i++)
    acks += gostack_chan_recv(sig_ack, NULL);
  printf("broadcast: waiters=20 woken=%ld acks=%d\n", __atomic_load_n(&sig_woken, __ATOMIC_RELAXED),
         acks);
  gostack_chan_free(sig_start);
  gostack_chan_free(sig_ack);
}

/* ---- 40-byte elements ------------------------------------------------------------------------ */

struct big {
  uint64_t seq, a, b, c, d;
};

static gostack_chan *big_chan;

static void *big_producer(void *p) {
  (void)p;
  for (uint64_t i = 0; i < 10000; i++) {
    struct big v = {i, i * 3, ~i, e2e_mix(0, i), i ^ 0x5555};
    E2E_CHECK(gostack_chan_send(big_chan, &v));
    if (i % 5000 == 7 && !deep_ok(depth / 4, i))
      E2E_CHECK(!"deep");
  }
  gostack_chan_close(big_chan);
  return NULL;
}

static void big_test(size_t cap) {
  big_chan = gostack_chan_make(sizeof(struct big), cap);
  gostack_task *t = gostack_spawn(big_producer, NULL);
  struct big v;
  uint64_t n = 0, seqsum = 0;
  int in_order = 1, consistent = 1;
  while (gostack_chan_recv(big_chan, &v)) {
    in_order &= v.seq == n;
    consistent &= v.a == v.seq * 3 && v.b == ~v.seq && v.c == e2e_mix(0, v.seq) &&
                  v.d == (v.seq ^ 0x5555);
    seqsum += v.seq;
    n++;
  }
  consistent &= v.seq == 0 && v.a == 0 && v.b == 0 && v.c == 0 && v.d == 0; /* zeroed */
  gostack_join(t);
  printf("big cap=%zu: n=%llu in-order=%d consistent=%d seqsum=%llu\n", cap,
         (unsigned long long)n, in_order, consistent, (unsigned long long)seqsum);
  gostack_chan_free(big_chan);
}

/* ---- Ping-pong between two tasks that recurse between exchanges ------------------------------ */

static gostack_chan *ping, *pong;
static int pp_deep_fail;

static void *pingpong_player(void *p) {
  int first = (int)(intptr_t)p;
  gostack_chan *in = first ? ping : pong, *out = first ? pong : ping;
  uint64_t token;
  long d = e2e_max(depth / 20, 50);
  for (int r = 0; r < 100; r++) {
    if (!gostack_chan_recv(in, &token))
      break;
    if (!deep_ok((long)((token * 7919) % (uint64_t)d), token))
      __atomic_fetch_add(&pp_deep_fail, 1, __ATOMIC_RELAXED);
    token++;
    E2E_CHECK(gostack_chan_send(out, &token));
  }
  return NULL;
}

static void pingpong(void) {
  ping = gostack_chan_make(sizeof(uint64_t), 0);
  pong = gostack_chan_make(sizeof(uint64_t), 1);
  gostack_task *a = gostack_spawn(pingpong_player, (void *)1);
  gostack_task *b = gostack_spawn(pingpong_player, (void *)0);
  uint64_t token = 200;
  E2E_CHECK(gostack_chan_send(ping, &token));
  gostack_join(a);
  E2E_CHECK(gostack_chan_recv(ping, &token));
  gostack_join(b);
  printf("pingpong: rounds=200 token=%llu deep=%s\n", (unsigned long long)token,
         pp_deep_fail ? "FAIL" : "ok");
  gostack_chan_free(ping);
  gostack_chan_free(pong);
}

/* ---- Right above the guard ------------------------------------------------------------------- */

/* Fresh tasks (2 KB stacks) make blocking channel calls (a send, a select, a recv; a partner
 * task answers each) 0, 1, ..., 95 small frames deep: some of them right above the guard,
 * where the runtime's frames run in the guard reserve. An overrun of the reserve would
 * destroy the canary at the stack's low end, which every later growth and switch checks. */
static gostack_chan *g_req, *g_resp;
#define GUARD_TASKS 96
static uintptr_t guard_min_left = 65536; /* closest approach of guard_bottom's SP to lo */

/* Where the caller's SP was at this call, in its 2 KB stack (offsets from hi survive moves, and
 * e2e_info may grow the stack): counts only if the caller's calls ran on its initial stack. */
E2E_NOINLINE static void guard_note(int initial_stack) {
  gostack_stack_info i = e2e_info();
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0) + 16; /* above our RBP and return */
  uintptr_t left = 2048 - (i.hi - sp);
  if (initial_stack && left < guard_min_left)
    guard_min_left = left;
}

E2E_NOINLINE static long guard_bottom(long d) {
  /* Runtime calls: no prologue check, so they never grow the stack themselves. */
  uint64_t growths = gostack_stack_growths();
  size_t size = gostack_stack_size();
  uint64_t v = (uint64_t)d, back = 0, again = 0;
  if (!gostack_chan_send(g_req, &v))
    return 0;
  gostack_select_case cs[2] = {{NULL, GOSTACK_SELECT_RECV, NULL, false},
                               {g_resp, GOSTACK_SELECT_RECV, &back, false}};
  if (gostack_select(cs, 2, true) != 1 || !cs[1].ok || back != v + 1)
    return 0;
  if (!gostack_chan_recv(g_resp, &again) || again != v + 2)
    return 0;
  guard_note(gostack_stack_growths() == growths && size == 2048);
  return 1;
}

/* guard_bottom n small frames down (each 16 to 48 bytes, depending on -O). */
E2E_NOINLINE static long guard_step(long n, long d) {
  long r = n > 0 ? guard_step(n - 1, d) : guard_bottom(d);
  return r + E2E_ZERO; /* not a tail call */
}

static void *guard_task(void *p) {
  long n = (long)(intptr_t)p;
  return (void *)(intptr_t)guard_step(n, n);
}

static void *guard_partner(void *p) {
  (void)p;
  uint64_t v;
  while (gostack_chan_recv(g_req, &v)) {
    uint64_t r = v + 1;
    E2E_CHECK(gostack_chan_send(g_resp, &r));
    r++;
    E2E_CHECK(gostack_chan_send(g_resp, &r));
  }
  return NULL;
}

static void guard_test(void) {
  g_req = gostack_chan_make(sizeof(uint64_t), 0);
  g_resp = gostack_chan_make(sizeof(uint64_t), 0);
  gostack_task *partner = gostack_spawn(guard_partner, NULL);
  int ok = 0;
  for (long n = 0; n < GUARD_TASKS; n++)
    ok += (int)(intptr_t)gostack_join(gostack_spawn(guard_task, (void *)(intptr_t)n));
  gostack_chan_close(g_req);
  gostack_join(partner);
  /* Some guard_bottom made its runtime calls with SP at most 64 bytes above the guard: the
   * runtime's frames ran in the reserve. Under GOSTACK_MOVESTACK=1 every entry re-decides the
   * stack size with growth slack (libc_little_stack.c), so there only: on the 2 KB stack. */
  uintptr_t bound = e2e_movestack() ? 2048 : GOSTACK_STACK_GUARD_FOR_TEST + 64;
  printf("guard: tasks=%d ok=%d near-guard=%d\n", GUARD_TASKS, ok, guard_min_left <= bound);
  fprintf(stderr, "guard: min_left=%zu\n", (size_t)guard_min_left);
  gostack_chan_free(g_req);
  gostack_chan_free(g_resp);
}

int main(int argc, char **argv) {
  depth = e2e_arg(argc, argv, 1, 100000);
  pipeline(0);
  pipeline(1);
  pipeline(64);
  mpmc(0);
  mpmc(16);
  close_tests();
  signal_tests();
  big_test(0);
  big_test(3);
  pingpong();
  guard_test();
  E2E_CHECK(grow_bad == 0);
  return e2e_finish("sched_channels");
}
