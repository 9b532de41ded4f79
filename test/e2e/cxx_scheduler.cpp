// The C++ layer (gostack/gostack.hpp) on the M:N scheduler: go/spawn with lambdas capturing by
// reference and by value, Task<int>/<std::string>/<void>/<T&> results, an exception rethrown by
// join(); Channel<int> pipeline, Channel<std::string>, Channel<std::unique_ptr<..>>, values of a
// counting type that must all be destroyed exactly once (buffered values left in a closed and
// destroyed channel, losing select send cases, sends on a closed channel included); range-for
// until close; select with recv, send and default; WaitGroup with 1000 tasks; Mutex with
// std::lock_guard under contention; sleep_for ordering.
//
// Every number below is computed independently (closed forms, or a Python one-liner for the
// string hash) and checked both in the program (E2E_CHECK) and by FileCheck. Each binary runs
// with the default number of processors and with one.
//
// With a stack move at every instrumented call (movestack), the -O0 binary, whose every
// std::optional / std::unique_ptr / lambda call is one, runs with the argument `small`: a tenth
// of the iterations of the loops marked below (FULL and SMALL lines); the -O2 binary runs the
// full sizes in every mode.
//
// RUN: %gostack-cxx -O0 %s -o %t.g0
// RUN: %gostack-cxx -O2 %s -o %t.g2
// RUN: %t.g0 %if movestack %{ small %} > %t.g0.out
// RUN: FileCheck %s --input-file=%t.g0.out \
// RUN:   --check-prefixes=CHECK,%if movestack %{SMALL%} %else %{FULL%}
// RUN: env GOSTACK_PROCS=1 %t.g0 %if movestack %{ small %} > %t.g0p1.out
// RUN: FileCheck %s --input-file=%t.g0p1.out \
// RUN:   --check-prefixes=CHECK,%if movestack %{SMALL%} %else %{FULL%}
// RUN: %t.g2 > %t.g2.out
// RUN: FileCheck %s --check-prefixes=CHECK,FULL --input-file=%t.g2.out
// RUN: env GOSTACK_PROCS=1 %t.g2 > %t.g2p1.out
// RUN: FileCheck %s --check-prefixes=CHECK,FULL --input-file=%t.g2p1.out
//
// CHECK: go: squares 1..100 sum=338350 strings=hello-1+hello-2+hello-3 main-untouched=hello
// FULL-NEXT: spawn: fib(0..19) sum=10945
// SMALL-NEXT: spawn: fib(0..14) sum=986
// CHECK-NEXT: spawn: square=49 string=task-7!!! void acc=499500 ref=42 moved=1
// CHECK-NEXT: spawn: caught runtime_error "boom 9" depth-caught "deep 400" after=ok
// CHECK-NEXT: spawn: destructor joined=1 joinable-after-join=0 not-joinable-throws=1
// FULL-NEXT: pipeline: n=10000 sum=333383335000 count=10000
// SMALL-NEXT: pipeline: n=1000 sum=333833500 count=1000
// FULL-NEXT: strings: n=1000 bytes=6890 fnv=e77e7831d7b3604f
// SMALL-NEXT: strings: n=100 bytes=590 fnv=139c52405668b129
// CHECK-NEXT: unique_ptr: n=100 sum=4950 left=0
// CHECK-NEXT: vector: n=50 elems=1275 sum=42925
// CHECK-NEXT: counted: buffered 100 received 60 checked=60 closed-send=0 left-in-channel=40
// CHECK-NEXT: counted: blocked sender got false, range-for drained=5
// CHECK-NEXT: range: for-auto sum=5050 for-T unique sum=210 n=20
// CHECK-NEXT: select: default=1 recv=0:17 send=1 closed-send=0:false closed-recv=0:none nil=1
// FULL-NEXT: select: fan-in ints=500 sum=124750 strings=500 sum=124750
// SMALL-NEXT: select: fan-in ints=50 sum=1225 strings=50 sum=1225
// FULL-NEXT: select: fan-out n=1000 sum=499500 counted n=300 sum=44850
// SMALL-NEXT: select: fan-out n=100 sum=4950 counted n=30 sum=435
// CHECK-NEXT: counted: live=0
// CHECK-NEXT: waitgroup: tasks=1000 sum=499500 wg.go sum=5050
// FULL-NEXT: mutex: tasks=64 total=64000 scoped=6400 try_lock busy=0 free=1
// SMALL-NEXT: mutex: tasks=64 total=6400 scoped=640 try_lock busy=0 free=1
// CHECK-NEXT: sleep: wake order 10 20 30 slept-enough=1
// CHECK-NEXT: cxx_scheduler: ok

#include "Inputs/e2e.h"

#include <gostack/gostack.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

// `small` (argv[1]): a tenth of the iterations in the loops that use it.
bool g_small;
long sized(long full) { return g_small ? full / 10 : full; }

// ---- A type that counts its constructions and destructions ------------------------------------

std::atomic<long> g_made{0}, g_destroyed{0};

struct Counted {
  long v;
  std::string tag; // not trivially copyable: travels in a heap box
  explicit Counted(long v) : v(v), tag("counted-" + std::to_string(v)) { g_made++; }
  Counted(const Counted &o) : v(o.v), tag(o.tag) { g_made++; }
  Counted(Counted &&o) noexcept : v(o.v), tag(std::move(o.tag)) { g_made++; }
  Counted &operator=(const Counted &) = default;
  Counted &operator=(Counted &&) = default;
  ~Counted() { g_destroyed++; }
};
long live() { return g_made.load() - g_destroyed.load(); }

E2E_NOINLINE long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

// ---- go and spawn -----------------------------------------------------------------------------

void test_go() {
  gostack::WaitGroup wg;
  std::atomic<long> sum{0};
  for (long k = 1; k <= 100; k++) {
    wg.add(1);
    gostack::go([&sum, &wg, k] { // by reference and by value
      sum += k * k;
      wg.done();
    });
  }
  wg.wait();
  E2E_CHECK(sum == 338350);

  // Arguments are decay-copied: each task gets its own string; main's is untouched.
  std::string base = "hello";
  std::string got[3];
  gostack::WaitGroup wg2;
  wg2.add(3);
  for (int i = 0; i < 3; i++)
    gostack::go(
        [&got, &wg2](std::string s, int idx) {
          s += "-" + std::to_string(idx + 1);
          got[idx] = std::move(s);
          wg2.done();
        },
        base, i);
  wg2.wait();
  printf("go: squares 1..100 sum=%ld strings=%s+%s+%s main-untouched=%s\n", sum.load(),
         got[0].c_str(), got[1].c_str(), got[2].c_str(), base.c_str());
}

struct Deep : std::runtime_error {
  using std::runtime_error::runtime_error;
};
E2E_NOINLINE long throw_deep(long n) {
  std::string frame = std::to_string(n); // one per frame, destroyed while unwinding
  if (n == 0)
    throw Deep("deep " + std::to_string(400));
  return throw_deep(n - 1) + static_cast<long>(frame.size());
}

void test_spawn() {
  const int nfib = g_small ? 15 : 20;
  std::vector<gostack::Task<long>> fibs;
  for (int i = 0; i < nfib; i++)
    fibs.push_back(gostack::spawn(fib, i)); // a function and an argument
  long fsum = 0;
  for (auto &t : fibs)
    fsum += t.join();
  printf("spawn: fib(0..%d) sum=%ld\n", nfib - 1, fsum);
  E2E_CHECK(fsum == fib(nfib + 1) - 1);

  gostack::Task<int> sq = gostack::spawn([](int x) { return x * x; }, 7);
  std::string suffix = "!!!";
  gostack::Task<std::string> ts = gostack::spawn(
      [suffix](int n) { return "task-" + std::to_string(n) + suffix; }, 7); // by value
  long acc = 0;
  gostack::Task<void> tv = gostack::spawn([&acc] { // by reference
    for (long i = 0; i < 1000; i++) {
      acc += i;
      if (i % 100 == 0)
        gostack::yield();
    }
  });
  static int answer = 42;
  gostack::Task<int &> tr = gostack::spawn([]() -> int & { return answer; });
  int square = sq.join();
  std::string s = ts.join();
  tv.join();
  int &ref = tr.join();
  E2E_CHECK(square == 49 && s == "task-7!!!" && acc == 499500 && &ref == &answer);

  // Move-only results and arguments; a moved-from Task is empty.
  gostack::Task<std::unique_ptr<int>> tu =
      gostack::spawn([](std::unique_ptr<int> p) { return p; }, std::make_unique<int>(5));
  gostack::Task<std::unique_ptr<int>> tu2 = std::move(tu);
  std::unique_ptr<int> up = tu2.join();
  bool moved = !tu.joinable() && up && *up == 5;
  printf("spawn: square=%d string=%s void acc=%ld ref=%d moved=%d\n", square, s.c_str(), acc, ref,
         moved);
  E2E_CHECK(moved);

  // Exceptions: rethrown by join(), also from a task whose stack grew.
  std::string msg, deep_msg;
  gostack::Task<int> te = gostack::spawn(
      [](int n) -> int {
        if (n > 0)
          throw std::runtime_error("boom " + std::to_string(n));
        return n;
      },
      9);
  try {
    te.join();
  } catch (const std::runtime_error &e) {
    msg = e.what();
  }
  gostack::Task<long> td = gostack::spawn(throw_deep, 400);
  try {
    td.join();
  } catch (const Deep &e) {
    deep_msg = e.what();
  }
  bool after = gostack::spawn([] { return fib(10); }).join() == 55;
  printf("spawn: caught runtime_error \"%s\" depth-caught \"%s\" after=%s\n", msg.c_str(),
         deep_msg.c_str(), after ? "ok" : "bad");
  E2E_CHECK(msg == "boom 9" && deep_msg == "deep 400" && after);

  // A joinable Task is joined by its destructor; join() on an empty Task throws.
  std::atomic<int> joined{0};
  {
    gostack::Task<void> t = gostack::spawn([&joined] {
      gostack::sleep_for(5ms);
      joined = 1;
    });
  }
  gostack::Task<int> tj = gostack::spawn([] { return 1; });
  tj.join();
  bool throws = false;
  try {
    tj.join();
  } catch (const std::logic_error &) {
    throws = true;
  }
  printf("spawn: destructor joined=%d joinable-after-join=%d not-joinable-throws=%d\n",
         joined.load(), tj.joinable(), throws);
  E2E_CHECK(joined == 1 && !tj.joinable() && throws);
}

// ---- Channels ---------------------------------------------------------------------------------

void test_pipeline() {
  // numbers -> 4 squarers -> sum. Tasks are declared after the channels they use, so that
  // their destructors join them before the channels are freed.
  gostack::Channel<int> nums; // unbuffered
  gostack::Channel<long> squares(16);
  const long n = sized(10000);
  gostack::Task<void> gen = gostack::spawn([&nums, n] {
    for (int i = 1; i <= n; i++)
      nums.send(i);
    nums.close();
  });
  std::vector<gostack::Task<void>> workers;
  for (int w = 0; w < 4; w++)
    workers.push_back(gostack::spawn([&nums, &squares] {
      for (int v : nums.range())
        squares.send(static_cast<long>(v) * v);
    }));
  gostack::Task<void> closer = gostack::spawn([&workers, &squares] {
    for (auto &w : workers)
      w.join();
    squares.close();
  });
  long sum = 0, count = 0;
  for (long v : squares.range()) {
    sum += v;
    count++;
  }
  printf("pipeline: n=%ld sum=%ld count=%ld\n", n, sum, count);
  E2E_CHECK(sum == n * (n + 1) * (2 * n + 1) / 6 && count == n);
}

void test_strings() {
  // One producer, one consumer: the order is fixed, so is the hash.
  // python3: h=0xcbf29ce484222325
  //   for c in ''.join('msg-%d' % i for i in range(N)).encode(): h=((h^c)*0x100000001b3)%2**64
  const long nmsg = sized(1000);
  gostack::Channel<std::string> ch;
  gostack::Task<void> prod = gostack::spawn([&ch, nmsg] {
    for (int i = 0; i < nmsg; i++)
      ch.send("msg-" + std::to_string(i));
    ch.close();
  });
  uint64_t h = 0xcbf29ce484222325ull;
  size_t bytes = 0;
  int n = 0;
  while (std::optional<std::string> s = ch.recv()) {
    for (unsigned char c : *s)
      h = (h ^ c) * 0x100000001b3ull;
    bytes += s->size();
    n++;
  }
  printf("strings: n=%d bytes=%zu fnv=%016llx\n", n, bytes, static_cast<unsigned long long>(h));
  E2E_CHECK(g_small ? n == 100 && bytes == 590 && h == 0x139c52405668b129ull
                    : n == 1000 && bytes == 6890 && h == 0xe77e7831d7b3604full);

  gostack::Channel<std::unique_ptr<int>> cu(8);
  gostack::Task<void> up = gostack::spawn([&cu] {
    for (int i = 0; i < 100; i++)
      cu.send(std::make_unique<int>(i));
    cu.close();
  });
  long usum = 0;
  int un = 0;
  while (auto p = cu.recv()) {
    usum += **p;
    un++;
  }
  up.join();
  printf("unique_ptr: n=%d sum=%ld left=%zu\n", un, usum, cu.size());
  E2E_CHECK(un == 100 && usum == 4950 && cu.size() == 0);

  gostack::Channel<std::vector<int>> cv(3);
  gostack::Task<void> vp = gostack::spawn([&cv] {
    for (int i = 1; i <= 50; i++)
      cv.send(std::vector<int>(static_cast<size_t>(i), i)); // i copies of i
    cv.close();
  });
  long elems = 0, vsum = 0;
  int vn = 0;
  for (auto &v : cv) {
    elems += static_cast<long>(v.size());
    for (int x : v)
      vsum += x;
    vn++;
  }
  printf("vector: n=%d elems=%ld sum=%ld\n", vn, elems, vsum);
  E2E_CHECK(vn == 50 && elems == 1275 && vsum == 42925); // sum i, sum i^2
}

void test_counted() {
  // Values left buffered in a closed channel are destroyed with it.
  int checked = 0;
  size_t left = 0;
  bool closed_send;
  {
    gostack::Channel<Counted> ch(100);
    for (long i = 0; i < 100; i++)
      ch.send(Counted(i));
    for (long i = 0; i < 60; i++) {
      std::optional<Counted> c = ch.recv();
      checked += c && c->v == i && c->tag == "counted-" + std::to_string(i);
    }
    ch.close();
    closed_send = ch.send(Counted(999)); // false; the value is destroyed
    left = ch.size();
  }
  printf("counted: buffered 100 received 60 checked=%d closed-send=%d left-in-channel=%zu\n",
         checked, closed_send, left);
  E2E_CHECK(checked == 60 && !closed_send && left == 40);

  // A sender blocked on an unbuffered channel gets false when it is closed; values sent to an
  // open channel destroyed with values in it (not closed) are destroyed too.
  bool blocked_result;
  long drained = 0;
  {
    gostack::Channel<Counted> unbuf;
    gostack::Channel<Counted> never_closed(10);
    gostack::Task<bool> sender = gostack::spawn([&unbuf] { return unbuf.send(Counted(7)); });
    gostack::sleep_for(2ms); // usually blocked by now; the result is false either way
    unbuf.close();
    blocked_result = sender.join();
    for (long i = 0; i < 10; i++)
      never_closed.send(Counted(i));
    gostack::Channel<Counted> other(5);
    gostack::Task<void> fill = gostack::spawn([&other] {
      for (long i = 0; i < 5; i++)
        other.send(Counted(i));
      other.close();
    });
    for (Counted c : other.range())
      drained += c.v >= 0;
  }
  printf("counted: blocked sender got %s, range-for drained=%ld\n",
         blocked_result ? "true" : "false", drained);
  E2E_CHECK(!blocked_result && drained == 5);
}

void test_range() {
  gostack::Channel<int> ch(4);
  gostack::Task<void> p = gostack::spawn([&ch] {
    for (int i = 1; i <= 100; i++)
      ch.send(i);
    ch.close();
  });
  int sum = 0;
  for (auto &v : ch)
    sum += v;
  gostack::Channel<std::unique_ptr<int>> cu;
  gostack::Task<void> q = gostack::spawn([&cu] {
    for (int i = 1; i <= 20; i++)
      cu.send(std::make_unique<int>(i));
    cu.close();
  });
  int usum = 0, n = 0;
  for (std::unique_ptr<int> v : cu.range()) { // moved out of the channel
    usum += *v;
    n++;
  }
  printf("range: for-auto sum=%d for-T unique sum=%d n=%d\n", sum, usum, n);
  E2E_CHECK(sum == 5050 && usum == 210 && n == 20);
}

// ---- select -----------------------------------------------------------------------------------

void test_select_basic() {
  gostack::Channel<int> empty, full(1), ready(1);
  full.send(1);
  ready.send(17);
  // Nothing ready: default (argument 1).
  int d = gostack::select(gostack::on_recv(empty, [](std::optional<int>) { E2E_CHECK(0); }),
                          gostack::default_case());
  // A ready receive wins over a send to a full channel.
  int got = -1;
  int r = gostack::select(gostack::on_recv(ready, [&](std::optional<int> v) { got = *v; }),
                          gostack::on_send(full, 2, [] { E2E_CHECK(0); }),
                          gostack::default_case([] { E2E_CHECK(0); }));
  // Now ready is empty (capacity 1): the send is the one that can proceed.
  int s = gostack::select(gostack::on_recv(empty), gostack::on_send(ready, 5));
  E2E_CHECK(ready.recv() == 5);
  // A send case on a closed channel fires with ok = false; a receive gets std::nullopt.
  // (Counted: the value of the send case must be destroyed, not leaked; checked in main.)
  gostack::Channel<Counted> closed(2);
  closed.close();
  bool ok = true;
  int cs = gostack::select(gostack::on_send(closed, Counted(-1), [&](bool k) { ok = k; }),
                           gostack::on_recv(empty));
  bool none = false;
  int cr = gostack::select(gostack::on_recv(closed, [&](std::optional<Counted> v) { none = !v; }),
                           gostack::on_recv(empty));
  // A nil channel (null pointer) never fires.
  gostack::Channel<int> *nil = nullptr;
  int n = gostack::select(gostack::on_recv(nil), gostack::on_send(nil, 1), gostack::default_case(),
                          gostack::on_recv(empty));
  // (argument positions: default_case is argument 2 there)
  printf("select: default=%d recv=%d:%d send=%d closed-send=%d:%s closed-recv=%d:%s nil=%d\n", d, r,
         got, s, cs, ok ? "true" : "false", cr, none ? "none" : "value", n == 2);
  E2E_CHECK(d == 1 && r == 0 && got == 17 && s == 1 && cs == 0 && !ok && cr == 0 && none && n == 2);
}

void test_select_fan() {
  // Fan-in: two producers, the receiver nils out each channel when it is closed.
  const long nin = sized(500);
  gostack::Channel<int> a;
  gostack::Channel<std::string> b(3);
  gostack::Task<void> pa = gostack::spawn([&a, nin] {
    for (int i = 0; i < nin; i++)
      a.send(i);
    a.close();
  });
  gostack::Task<void> pb = gostack::spawn([&b, nin] {
    for (int i = 0; i < nin; i++)
      b.send(std::to_string(i));
    b.close();
  });
  gostack::Channel<int> *ap = &a;
  gostack::Channel<std::string> *bp = &b;
  long sa = 0, sb = 0;
  int na = 0, nb = 0;
  while (ap || bp)
    gostack::select(gostack::on_recv(ap,
                                     [&](std::optional<int> v) {
                                       if (!v)
                                         ap = nullptr;
                                       else
                                         sa += *v, na++;
                                     }),
                    gostack::on_recv(bp, [&](std::optional<std::string> v) {
                      if (!v)
                        bp = nullptr;
                      else
                        sb += std::stol(*v), nb++;
                    }));
  printf("select: fan-in ints=%d sum=%ld strings=%d sum=%ld\n", na, sa, nb, sb);
  E2E_CHECK(na == nin && sa == nin * (nin - 1) / 2 && nb == nin && sb == sa);

  // Fan-out: select sends each value to whichever consumer is ready. With boxed values, the
  // losing send case frees its box (checked by the live count in main).
  gostack::Channel<long> c1, c2;
  gostack::Channel<Counted> d1, d2(2);
  gostack::Task<long> s1 = gostack::spawn([&c1] {
    long s = 0;
    for (long v : c1.range())
      s += v;
    return s;
  });
  gostack::Task<long> s2 = gostack::spawn([&c2] {
    long s = 0;
    for (auto &v : c2)
      s += v;
    return s;
  });
  auto counted_sum = [](gostack::Channel<Counted> &ch) {
    long s = 0;
    for (Counted c : ch.range())
      s += c.v;
    return s;
  };
  gostack::Task<long> s3 = gostack::spawn(counted_sum, std::ref(d1));
  gostack::Task<long> s4 = gostack::spawn(counted_sum, std::ref(d2));
  const long nout = sized(1000), ncounted = sized(300);
  int n1 = 0;
  for (long i = 0; i < nout; i++)
    gostack::select(gostack::on_send(c1, i, [&] { n1++; }), gostack::on_send(c2, i));
  c1.close();
  c2.close();
  long fan = s1.join() + s2.join();
  int counted_sent = 0;
  for (long i = 0; i < ncounted; i++)
    gostack::select(gostack::on_send(d1, Counted(i), [&](bool ok) { counted_sent += ok; }),
                    gostack::on_send(d2, Counted(i), [&](bool ok) { counted_sent += ok; }));
  d1.close();
  d2.close();
  long csum = s3.join() + s4.join();
  printf("select: fan-out n=%ld sum=%ld counted n=%d sum=%ld\n", nout, fan, counted_sent, csum);
  E2E_CHECK(fan == nout * (nout - 1) / 2 && n1 >= 0 && n1 <= nout && counted_sent == ncounted &&
            csum == ncounted * (ncounted - 1) / 2);
}

// ---- WaitGroup, Mutex, sleep ------------------------------------------------------------------

void test_waitgroup() {
  gostack::WaitGroup wg;
  std::atomic<long> sum{0};
  for (long i = 0; i < 1000; i++) {
    wg.add(1);
    gostack::go([&, i] {
      if (i % 7 == 0)
        gostack::yield();
      sum += i;
      wg.done();
    });
  }
  wg.wait();
  gostack::WaitGroup wg2;
  std::atomic<long> sum2{0};
  for (long i = 1; i <= 100; i++)
    wg2.go([&sum2](long k) { sum2 += k; }, i);
  wg2.wait();
  printf("waitgroup: tasks=1000 sum=%ld wg.go sum=%ld\n", sum.load(), sum2.load());
  E2E_CHECK(sum == 499500 && sum2 == 5050);
}

void test_mutex() {
  gostack::Mutex mu, mu2;
  long counter = 0, scoped = 0; // plain longs: only the mutexes protect them
  gostack::WaitGroup wg;
  const long incs = sized(1000), pairs = sized(100);
  for (int t = 0; t < 64; t++) {
    wg.add(1);
    gostack::go([&, t] {
      for (long i = 0; i < incs; i++) {
        std::lock_guard<gostack::Mutex> g(mu);
        long v = counter;
        if (i % 25 == 0)
          gostack::yield(); // hold the lock across a reschedule: others must wait
        counter = v + 1;
      }
      for (long i = 0; i < pairs; i++) {
        if (t % 2) {
          std::scoped_lock g(mu, mu2);
          scoped++;
        } else {
          std::scoped_lock g(mu2, mu);
          scoped++;
        }
      }
      wg.done();
    });
  }
  wg.wait();
  // try_lock: fails while another task holds the lock.
  std::unique_lock<gostack::Mutex> held(mu);
  bool busy = gostack::spawn([&mu] {
                std::unique_lock<gostack::Mutex> l(mu, std::try_to_lock);
                return l.owns_lock();
              }).join();
  held.unlock();
  bool free = gostack::spawn([&mu] {
                std::unique_lock<gostack::Mutex> l(mu, std::try_to_lock);
                return l.owns_lock();
              }).join();
  printf("mutex: tasks=64 total=%ld scoped=%ld try_lock busy=%d free=%d\n", counter, scoped, busy,
         free);
  E2E_CHECK(counter == 64 * incs && scoped == 64 * pairs && !busy && free);
}

// Tasks sleeping 30, 10 and 20 ms wake in the order 10, 20, 30, each after at least its
// duration. They start sleeping together: each signals that it is ready and waits for main to
// close a channel. Under movestack the unit is 5 ms instead of 1 (there every call moves the
// stack, verified with system calls, and a task needs milliseconds between its wakeups and its
// calls). The wake order also needs the OS to run the monitor and the threads within 10 units,
// which a loaded machine does not always do: an attempt in the wrong order is retried (up to 5
// times; a broken timer fails them all). Each task's own minimum sleep is checked every time.
void test_sleep() {
  const int unit = e2e_movestack() ? 5 : 1;
  bool in_order = false, slept_enough = true;
  int a = 0, b = 0, c = 0, attempts = 0;
  while (!in_order && attempts < 5) {
    attempts++;
    gostack::Channel<int> order(3);
    gostack::Channel<int> start; // closed: everyone goes
    gostack::WaitGroup ready;
    ready.add(3);
    std::vector<gostack::Task<bool>> ts;
    for (int ms : {30, 10, 20})
      ts.push_back(gostack::spawn([&order, &start, &ready, ms, unit] {
        ready.done();
        start.recv();
        auto d = std::chrono::milliseconds(ms * unit);
        auto t0 = std::chrono::steady_clock::now();
        gostack::sleep_for(d);
        bool enough = std::chrono::steady_clock::now() - t0 >= d;
        order.send(ms);
        return enough;
      }));
    ready.wait();
    start.close();
    a = *order.recv(), b = *order.recv(), c = *order.recv();
    for (auto &t : ts)
      slept_enough &= t.join();
    in_order = a == 10 && b == 20 && c == 30;
  }
#ifdef __GOSTACK__
  fprintf(stderr, "sleep: attempts=%d unit=%dms\n", attempts, unit);
#endif
  printf("sleep: wake order %d %d %d slept-enough=%d\n", a, b, c, slept_enough);
  E2E_CHECK(in_order && slept_enough);
}

} // namespace

int main(int argc, char **argv) {
  g_small = argc > 1 && std::string(argv[1]) == "small";
  test_go();
  test_spawn();
  test_pipeline();
  test_strings();
  test_counted();
  test_range();
  test_select_basic();
  test_select_fan();
  printf("counted: live=%ld\n", live());
  E2E_CHECK(live() == 0 && g_made > 0);
  test_waitgroup();
  test_mutex();
  test_sleep();
  return e2e_finish("cxx_scheduler");
}
