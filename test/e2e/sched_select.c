// gostack_select on the M:N scheduler: fairness (4 always-ready channels, 40,000 selects, each
// case within +-10% of 10,000; 2 cases on the same channel); send and recv cases mixed (a
// forwarding loop whose send case is switched off with a NULL channel while it has nothing to
// send); closed channels (recv: ok=false and zeroed after the buffer drained; send: fires with
// ok=false); non-blocking selects returning -1; selects that block and are woken by a later
// send, receive or close from another task, after which the losing cases must have left their
// channels (checked by selects that would otherwise find those stale waiters); the same channel
// twice in one select, in both directions too; selects of more than 4 cases (per-case scratch
// on the heap instead of the stack); a stress of 4 producer and 4 consumer tasks that all
// select (every value exactly once), ended by closing the channels one by one.
//
// Each binary runs with the default number of processors and with one.
//
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.g0 > %t.g0.out
// RUN: FileCheck %s --input-file=%t.g0.out
// RUN: env GOSTACK_PROCS=1 %t.g0 > %t.g0p1.out
// RUN: FileCheck %s --input-file=%t.g0p1.out
// RUN: %t.g2 > %t.g2.out
// RUN: FileCheck %s --input-file=%t.g2.out
// RUN: env GOSTACK_PROCS=1 %t.g2 > %t.g2p1.out
// RUN: FileCheck %s --input-file=%t.g2p1.out
//
// CHECK: fairness case 0: PASS
// CHECK-NEXT: fairness case 1: PASS
// CHECK-NEXT: fairness case 2: PASS
// CHECK-NEXT: fairness case 3: PASS
// CHECK-NEXT: fairness counts: {{[0-9]+}} {{[0-9]+}} {{[0-9]+}} {{[0-9]+}} total=40000
// CHECK-NEXT: fairness 10 cases: PASS total=50000
// CHECK-NEXT: same channel twice: PASS total=4000 values=4000 sum=7998000
// sum(range(10000)) = 49995000; hash: h=0; for v in range(10000): h = e2e_mix(h, v).
// CHECK-NEXT: forward: n=10000 sum=49995000 hash=59e3c90546687ed9 in-order=1
// CHECK-NEXT: closed: recv=0:ok=0:elem=0 buffered=1:1:5,1:1:6,1:0:0 send=0:ok=0 closed-wins=100
// CHECK-NEXT: nonblocking: empty=-1 nil=-1 none=-1 full=-1 unbuffered-send=-1 self=-1 ready=0:ok=1:41
// CHECK-NEXT: woken by send: index=1 ok=1 value=42 stale=-1,-1
// CHECK-NEXT: woken by close: index=2 ok=0 value=0 stale=-1,-1
// CHECK-NEXT: woken by receiver: index=0 ok=1 received=99 stale=-1
// CHECK-NEXT: same channel blocked: index={{[01]}} ok=1 value=5 stale=-1 then=1:6
// CHECK-NEXT: send and recv on one channel: index=0 received=1 then index=1 value=2
// CHECK-NEXT: big select woken: index=7 ok=1 value=777 stale=-1
// f(v) = v*2654435761 mod 2^32 for v < 60000: sum and xor.
// CHECK-NEXT: stress: n=60000 sum=128849744985040 xor=74f5f700 once=1 closed-seen=24
// CHECK-NEXT: sched_select: ok

#include "Inputs/e2e.h"

#include <stdbool.h>

static void sleep_ms(int ms) { gostack_sleep_ns((uint64_t)ms * 1000000u); }

E2E_INLINE gostack_select_case recv_case(gostack_chan *c, void *elem) {
  gostack_select_case cs = {c, GOSTACK_SELECT_RECV, elem, false};
  return cs;
}

E2E_INLINE gostack_select_case send_case(gostack_chan *c, void *elem) {
  gostack_select_case cs = {c, GOSTACK_SELECT_SEND, elem, false};
  return cs;
}

/* ---- Fairness -------------------------------------------------------------------------------- */

static void fairness(void) {
  gostack_chan *ch[4];
  uint64_t v[4];
  long counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < 4; i++) {
    ch[i] = gostack_chan_make(sizeof(uint64_t), 1);
    v[i] = (uint64_t)i;
    E2E_CHECK(gostack_chan_send(ch[i], &v[i]));
  }
  gostack_select_case cs[4];
  for (int n = 0; n < 40000; n++) {
    for (int i = 0; i < 4; i++)
      cs[i] = recv_case(ch[i], &v[i]);
    int r = gostack_select(cs, 4, true);
    E2E_CHECK(r >= 0 && r < 4 && cs[r].ok && v[r] == (uint64_t)r);
    counts[r]++;
    E2E_CHECK(gostack_chan_send(ch[r], &v[r])); /* ready again */
  }
  long total = 0;
  for (int i = 0; i < 4; i++) {
    printf("fairness case %d: %s\n", i,
           counts[i] >= 9000 && counts[i] <= 11000 ? "PASS" : "FAIL");
    total += counts[i];
  }
  printf("fairness counts: %ld %ld %ld %ld total=%ld\n", counts[0], counts[1], counts[2],
         counts[3], total);
  for (int i = 0; i < 4; i++)
    gostack_chan_free(ch[i]);

  /* 10 cases (heap scratch): 50,000 selects, each within +-10% of 5,000. */
  gostack_chan *c10[10];
  uint64_t v10[10];
  long n10[10];
  gostack_select_case cs10[10];
  for (int i = 0; i < 10; i++) {
    c10[i] = gostack_chan_make(sizeof(uint64_t), 2);
    v10[i] = (uint64_t)i;
    n10[i] = 0;
    E2E_CHECK(gostack_chan_send(c10[i], &v10[i]));
  }
  for (int n = 0; n < 50000; n++) {
    for (int i = 0; i < 10; i++)
      cs10[i] = recv_case(c10[i], &v10[i]);
    int r = gostack_select(cs10, 10, true);
    E2E_CHECK(r >= 0 && r < 10 && cs10[r].ok && v10[r] == (uint64_t)r);
    n10[r]++;
    E2E_CHECK(gostack_chan_send(c10[r], &v10[r]));
  }
  int pass = 1;
  total = 0;
  for (int i = 0; i < 10; i++) {
    pass &= n10[i] >= 4500 && n10[i] <= 5500;
    total += n10[i];
    gostack_chan_free(c10[i]);
  }
  printf("fairness 10 cases: %s total=%ld\n", pass ? "PASS" : "FAIL", total);

  /* The same channel in two recv cases: both fire (each about half the time). */
  gostack_chan *c = gostack_chan_make(sizeof(uint64_t), 4000);
  for (uint64_t i = 0; i < 4000; i++)
    E2E_CHECK(gostack_chan_send(c, &i));
  long both[2] = {0, 0};
  uint64_t a = 0, b = 0, sum = 0, values = 0, expect = 0;
  for (int n = 0; n < 4000; n++) {
    gostack_select_case two[2] = {recv_case(c, &a), recv_case(c, &b)};
    int r = gostack_select(two, 2, false);
    E2E_CHECK(r == 0 || r == 1);
    if (r < 0)
      break;
    uint64_t got = r == 0 ? a : b;
    E2E_CHECK(got == expect); /* FIFO whichever case fires */
    expect++;
    both[r]++;
    sum += got;
    values++;
  }
  printf("same channel twice: %s total=%ld values=%llu sum=%llu\n",
         both[0] >= 1600 && both[1] >= 1600 ? "PASS" : "FAIL", both[0] + both[1],
         (unsigned long long)values, (unsigned long long)sum);
  gostack_chan_free(c);
}

/* ---- Send and recv cases mixed: a forwarder -------------------------------------------------- */

#define FWD_N 10000
static gostack_chan *fwd_in, *fwd_out;
static uint64_t fwd_pending[FWD_N];

static void *fwd_producer(void *p) {
  (void)p;
  for (uint64_t i = 0; i < FWD_N; i++) {
    E2E_CHECK(gostack_chan_send(fwd_in, &i));
    if (i % 1000 == 0)
      gostack_yield();
  }
  gostack_chan_close(fwd_in);
  return NULL;
}

struct fwd_result {
  uint64_t n, sum, hash;
  int in_order;
};

static void *fwd_consumer(void *p) {
  struct fwd_result *r = p;
  uint64_t v;
  r->in_order = 1;
  while (gostack_chan_recv(fwd_out, &v)) {
    r->in_order &= v == r->n;
    r->n++;
    r->sum += v;
    r->hash = e2e_mix(r->hash, v);
  }
  return NULL;
}

static void forward(void) {
  fwd_in = gostack_chan_make(sizeof(uint64_t), 0);
  fwd_out = gostack_chan_make(sizeof(uint64_t), 3);
  struct fwd_result res;
  memset(&res, 0, sizeof res);
  gostack_task *prod = gostack_spawn(fwd_producer, NULL);
  gostack_task *cons = gostack_spawn(fwd_consumer, &res);
  size_t head = 0, tail = 0; /* fwd_pending[head..tail) waits to be sent */
  bool in_open = true;
  uint64_t got = 0, out = 0;
  while (in_open || head < tail) {
    gostack_select_case cs[2];
    cs[0] = recv_case(in_open ? fwd_in : NULL, &got);
    if (head < tail)
      out = fwd_pending[head];
    cs[1] = send_case(head < tail ? fwd_out : NULL, &out);
    int r = gostack_select(cs, 2, true);
    if (r == 0) {
      if (cs[0].ok)
        fwd_pending[tail++] = got;
      else
        in_open = false;
    } else {
      E2E_CHECK(r == 1 && cs[1].ok);
      head++;
    }
  }
  gostack_chan_close(fwd_out);
  gostack_join(prod);
  gostack_join(cons);
  printf("forward: n=%llu sum=%llu hash=%016llx in-order=%d\n", (unsigned long long)res.n,
         (unsigned long long)res.sum, (unsigned long long)res.hash, res.in_order);
  gostack_chan_free(fwd_in);
  gostack_chan_free(fwd_out);
}

/* ---- Closed channels ------------------------------------------------------------------------- */

static void closed(void) {
  gostack_chan *c = gostack_chan_make(sizeof(uint64_t), 0);
  gostack_chan_close(c);
  uint64_t e = 77;
  gostack_select_case cs[2] = {recv_case(c, &e)};
  cs[0].ok = true;
  int r = gostack_select(cs, 1, true);
  printf("closed: recv=%d:ok=%d:elem=%llu", r, cs[0].ok, (unsigned long long)e);

  gostack_chan *b = gostack_chan_make(sizeof(uint64_t), 4);
  for (uint64_t v = 5; v <= 6; v++)
    E2E_CHECK(gostack_chan_send(b, &v));
  gostack_chan_close(b);
  printf(" buffered=");
  for (int i = 0; i < 3; i++) {
    e = 99;
    cs[0] = recv_case(b, &e);
    r = gostack_select(cs, 1, false);
    printf("%s%d:%d:%llu", i ? "," : "", r + 1, cs[0].ok, (unsigned long long)e);
  }

  uint64_t s = 3;
  cs[0] = send_case(c, &s);
  cs[0].ok = true;
  r = gostack_select(cs, 1, true);
  printf(" send=%d:ok=%d", r, cs[0].ok);

  /* A closed channel next to an empty open one: the closed one always fires. */
  gostack_chan *open = gostack_chan_make(sizeof(uint64_t), 0);
  int wins = 0;
  for (int i = 0; i < 100; i++) {
    cs[0] = recv_case(open, &e);
    cs[1] = recv_case(c, &e);
    wins += gostack_select(cs, 2, true) == 1 && !cs[1].ok;
  }
  printf(" closed-wins=%d\n", wins);
  gostack_chan_free(c);
  gostack_chan_free(b);
  gostack_chan_free(open);
}

/* ---- Non-blocking ---------------------------------------------------------------------------- */

static void nonblocking(void) {
  gostack_chan *a = gostack_chan_make(sizeof(uint64_t), 0);
  gostack_chan *b = gostack_chan_make(sizeof(uint64_t), 2);
  uint64_t x = 1, y = 2;
  gostack_select_case cs[3] = {recv_case(a, &x), recv_case(b, &y)};
  int empty = gostack_select(cs, 2, false);
  gostack_select_case nil[2] = {recv_case(NULL, &x), send_case(NULL, &y)};
  int nil_r = gostack_select(nil, 2, false);
  int none = gostack_select(NULL, 0, false);
  E2E_CHECK(gostack_chan_send(b, &x) && gostack_chan_send(b, &y));
  cs[0] = send_case(b, &x);
  int full = gostack_select(cs, 1, false);
  cs[0] = send_case(a, &x);
  int unbuf = gostack_select(cs, 1, false);
  /* A send and a receive on the same unbuffered channel never match each other. */
  cs[0] = send_case(a, &x);
  cs[1] = recv_case(a, &y);
  int self = gostack_select(cs, 2, false);
  uint64_t got = 0;
  cs[0] = recv_case(NULL, &got);
  cs[1] = recv_case(a, &got);
  cs[2] = recv_case(b, &got);
  int ready = gostack_select(cs, 3, false);
  printf("nonblocking: empty=%d nil=%d none=%d full=%d unbuffered-send=%d self=%d "
         "ready=%d:ok=%d:%llu\n",
         empty, nil_r, none, full, unbuf, self, ready - 2, cs[2].ok,
         (unsigned long long)(got + 40));
  gostack_chan_free(a);
  gostack_chan_free(b);
}

/* ---- Blocking selects woken later by another task -------------------------------------------- */

struct later {
  gostack_chan *c;
  int op; /* 0 send, 1 close, 2 recv */
  uint64_t value;
};

static void *later_task(void *p) {
  struct later *l = p;
  sleep_ms(3);
  if (l->op == 0)
    E2E_CHECK(gostack_chan_send(l->c, &l->value));
  else if (l->op == 1)
    gostack_chan_close(l->c);
  else
    E2E_CHECK(gostack_chan_recv(l->c, &l->value));
  return NULL;
}

/* A non-blocking send to each unbuffered channel: -1 unless a receiver is waiting (a stale
 * waiter of a finished select would be one). */
static int stale_send(gostack_chan *c) {
  uint64_t v = 1;
  gostack_select_case cs[1] = {send_case(c, &v)};
  return gostack_select(cs, 1, false);
}

static void woken(void) {
  gostack_chan *c[3];
  for (int i = 0; i < 3; i++)
    c[i] = gostack_chan_make(sizeof(uint64_t), 0);
  uint64_t v[3] = {0, 0, 0};
  gostack_select_case cs[3];

  struct later l = {c[1], 0, 42};
  gostack_task *t = gostack_spawn(later_task, &l);
  for (int i = 0; i < 3; i++)
    cs[i] = recv_case(c[i], &v[i]);
  int r = gostack_select(cs, 3, true);
  gostack_join(t);
  printf("woken by send: index=%d ok=%d value=%llu stale=%d,%d\n", r, cs[r].ok,
         (unsigned long long)v[r], stale_send(c[0]), stale_send(c[2]));

  struct later lc = {c[2], 1, 0};
  t = gostack_spawn(later_task, &lc);
  for (int i = 0; i < 3; i++) {
    v[i] = 5;
    cs[i] = recv_case(c[i], &v[i]);
  }
  r = gostack_select(cs, 3, true);
  gostack_join(t);
  printf("woken by close: index=%d ok=%d value=%llu stale=%d,%d\n", r, cs[r].ok,
         (unsigned long long)v[r], stale_send(c[0]), stale_send(c[1]));

  /* A send case woken by a receiver; the recv case on c[1] must be gone afterwards. */
  struct later lr = {c[0], 2, 0};
  t = gostack_spawn(later_task, &lr);
  uint64_t out = 99, in = 0;
  cs[0] = send_case(c[0], &out);
  cs[1] = recv_case(c[1], &in);
  r = gostack_select(cs, 2, true);
  gostack_join(t);
  printf("woken by receiver: index=%d ok=%d received=%llu stale=%d\n", r, cs[r].ok,
         (unsigned long long)lr.value, stale_send(c[1]));

  /* The same channel in two recv cases of a blocked select: one fires, the other leaves. */
  struct later ls = {c[1], 0, 5};
  t = gostack_spawn(later_task, &ls);
  uint64_t a = 0, b = 0;
  cs[0] = recv_case(c[1], &a);
  cs[1] = recv_case(c[1], &b);
  r = gostack_select(cs, 2, true);
  gostack_join(t);
  int stale = stale_send(c[1]);
  /* And the channel still works both ways. */
  struct later ls2 = {c[1], 0, 6};
  t = gostack_spawn(later_task, &ls2);
  uint64_t then = 0;
  int then_ok = gostack_chan_recv(c[1], &then);
  gostack_join(t);
  printf("same channel blocked: index=%d ok=%d value=%llu stale=%d then=%d:%llu\n", r, cs[r].ok,
         (unsigned long long)(r == 0 ? a : b), stale, then_ok, (unsigned long long)then);

  /* Send and recv on one channel in a blocked select: a receiver takes the send case; later a
   * sender fires the recv case. */
  struct later lr2 = {c[0], 2, 0};
  t = gostack_spawn(later_task, &lr2);
  out = 1;
  in = 0;
  cs[0] = send_case(c[0], &out);
  cs[1] = recv_case(c[0], &in);
  r = gostack_select(cs, 2, true);
  gostack_join(t);
  struct later ls3 = {c[0], 0, 2};
  t = gostack_spawn(later_task, &ls3);
  cs[0] = send_case(c[0], &out);
  cs[1] = recv_case(c[0], &in);
  cs[0].chan = NULL; /* only the recv case now */
  int r2 = gostack_select(cs, 2, true);
  gostack_join(t);
  printf("send and recv on one channel: index=%d received=%llu then index=%d value=%llu\n", r,
         (unsigned long long)lr2.value, r2, (unsigned long long)in);
  for (int i = 0; i < 3; i++)
    gostack_chan_free(c[i]);

  /* 12 cases (heap scratch), woken by a send on the 8th. */
  gostack_chan *m[12];
  uint64_t mv[12];
  gostack_select_case mc[12];
  for (int i = 0; i < 12; i++) {
    m[i] = gostack_chan_make(sizeof(uint64_t), 0);
    mv[i] = 0;
    mc[i] = recv_case(i == 3 ? NULL : m[i], &mv[i]);
  }
  struct later lm = {m[7], 0, 777};
  t = gostack_spawn(later_task, &lm);
  r = gostack_select(mc, 12, true);
  gostack_join(t);
  int st = -1;
  for (int i = 0; i < 12; i++)
    if (i != 3 && stale_send(m[i]) != -1)
      st = i;
  printf("big select woken: index=%d ok=%d value=%llu stale=%d\n", r, mc[r].ok,
         (unsigned long long)mv[r], st);
  for (int i = 0; i < 12; i++)
    gostack_chan_free(m[i]);
}

/* ---- Stress: everybody selects --------------------------------------------------------------- */

#define ST_N 60000
#define ST_P 4
#define ST_C 4
#define ST_K 6
static gostack_chan *st_ch[ST_K];
static unsigned char st_seen[ST_N];
static long st_closed_seen;

E2E_INLINE uint64_t st_f(uint64_t i) { return (i * 2654435761u) & 0xffffffffu; }

static void *st_producer(void *p) {
  uint64_t vals[ST_K];
  gostack_select_case cs[ST_K];
  for (uint64_t i = (uint64_t)(intptr_t)p; i < ST_N; i += ST_P) {
    /* 3 cases (stack scratch) or 6 (heap), one of them sometimes switched off. */
    size_t n = i % 3 == 0 ? ST_K : 3;
    for (size_t k = 0; k < n; k++) {
      vals[k] = i;
      cs[k] = send_case(st_ch[(k + i) % ST_K], &vals[k]);
    }
    if (i % 7 == 0)
      cs[1].chan = NULL;
    int r = gostack_select(cs, n, true);
    E2E_CHECK(r >= 0 && (size_t)r < n && cs[r].ok);
  }
  return NULL;
}

struct st_cons {
  uint64_t sum, x, n;
};

static void *st_consumer(void *p) {
  struct st_cons *c = p;
  gostack_chan *mine[ST_K]; /* NULL once seen closed */
  uint64_t vals[ST_K];
  gostack_select_case cs[ST_K];
  int open = ST_K;
  for (int k = 0; k < ST_K; k++)
    mine[k] = st_ch[k];
  for (uint64_t iter = 0; open > 0; iter++) {
    /* Alternately all 6 channels (heap scratch) or 3 of them (stack scratch). */
    size_t n = (iter & 1) ? ST_K : 3;
    size_t base = (iter / 2) % ST_K;
    int usable = 0;
    for (size_t k = 0; k < n; k++) {
      cs[k] = recv_case(mine[(base + k) % ST_K], &vals[k]);
      usable += cs[k].chan != NULL;
    }
    if (!usable)
      continue;
    int r = gostack_select(cs, n, true);
    E2E_CHECK(r >= 0 && (size_t)r < n);
    if (!cs[r].ok) {
      __atomic_fetch_add(&st_closed_seen, 1, __ATOMIC_RELAXED);
      mine[(base + (size_t)r) % ST_K] = NULL;
      open--;
      continue;
    }
    uint64_t v = vals[r];
    E2E_CHECK(v < ST_N);
    __atomic_fetch_add(&st_seen[v], 1, __ATOMIC_RELAXED);
    c->sum += st_f(v);
    c->x ^= st_f(v);
    c->n++;
  }
  return NULL;
}

static void stress(void) {
  for (int k = 0; k < ST_K; k++)
    st_ch[k] = gostack_chan_make(sizeof(uint64_t), k % 3 == 0 ? 0 : (size_t)k);
  struct st_cons cons[ST_C];
  memset(cons, 0, sizeof cons);
  gostack_task *pt[ST_P], *ct[ST_C];
  for (int i = 0; i < ST_C; i++)
    ct[i] = gostack_spawn(st_consumer, &cons[i]);
  for (int i = 0; i < ST_P; i++)
    pt[i] = gostack_spawn(st_producer, (void *)(intptr_t)i);
  for (int i = 0; i < ST_P; i++)
    gostack_join(pt[i]);
  for (int k = 0; k < ST_K; k++) {
    gostack_chan_close(st_ch[k]);
    sleep_ms(1);
  }
  for (int i = 0; i < ST_C; i++)
    gostack_join(ct[i]);
  uint64_t sum = 0, x = 0, n = 0, ss = 0, xs = 0;
  int once = 1;
  for (int i = 0; i < ST_C; i++) {
    sum += cons[i].sum;
    x ^= cons[i].x;
    n += cons[i].n;
  }
  for (uint64_t v = 0; v < ST_N; v++) {
    once &= st_seen[v] == 1;
    ss += st_f(v);
    xs ^= st_f(v);
  }
  E2E_CHECK(sum == ss && x == xs && n == ST_N && once);
  printf("stress: n=%llu sum=%llu xor=%llx once=%d closed-seen=%ld\n", (unsigned long long)n,
         (unsigned long long)sum, (unsigned long long)x, once, st_closed_seen);
  for (int k = 0; k < ST_K; k++)
    gostack_chan_free(st_ch[k]);
}

int main(void) {
  fairness();
  forward();
  closed();
  nonblocking();
  woken();
  stress();
  return e2e_finish("sched_select");
}
