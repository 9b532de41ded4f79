// Adversarial C++ across growth and moves:
//  - std::function and lambdas capturing locals by reference, called deep in a recursion (each
//    level wraps the previous function, so calling the deepest one runs through every level);
//  - std::string locals, short (SSO: the characters live inside the object, on the stack, and
//    libstdc++'s data pointer points into the object itself) and long (heap), held across growth
//    and compared by contents (no c_str() pointer stability is assumed);
//  - recursion through virtual calls (a small class hierarchy with virtual recurse());
//  - an exception thrown at depth through grown frames and caught several levels above, while
//    destructors of the locals in between count themselves.
//
// RUN: %plain-cxx -O0 %s -o %t.p0
// RUN: %gostack-cxx -O0 %s -o %t.g0
// RUN: %gostack-cxx -O2 %s -o %t.g2
// RUN: %gostack-cxx -O1 %s -o %t.g1
// RUN: %gostack-cxx -O3 %s -o %t.g3
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p0.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
// RUN: %t.g1 %depth_mid > %t.g1.out 2> %t.g1.err
// RUN: diff %t.p0.out %t.g1.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g1.err
// RUN: %t.g3 %depth_mid > %t.g3.out 2> %t.g3.err
// RUN: diff %t.p0.out %t.g3.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g3.err
//
// OUT: function: sum=[[A:[0-9]+]] expected=[[A]] counters ok
// OUT-NEXT: strings: levels=[[L:[0-9]+]] ok=[[L]]
// OUT-NEXT: virtual: sum=[[V:[0-9]+]] expected=[[V]]
// OUT-NEXT: exception: caught at [[C:[0-9]+]] expected caught at [[C]] value=-1 expected=-1 dtors=[[D:[0-9]+]] expected=[[D]]
// OUT-NEXT: bad=0
// OUT-NEXT: adv_cxx: ok
//
// STATS: cxx: task=1 initial=2048
// STATS: cxx: grew=1

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

#include "Inputs/e2e.h"

static long depth;
static long bad;

/* ---- std::function / lambdas capturing by reference ---- */
static long flevels;

/* Each level owns a counter; its function adds x+level to the counter, then calls the caller's
 * function. The deepest level calls the full chain several times after growing. */
E2E_NOINLINE static long fchain(long level, const std::function<long(long)> &up, long *ok) {
  long counter = 0;
  long mine = level * 2;
  auto f = [&](long x) -> long {
    counter += x + level;
    return mine + (up ? up(x) : 0);
  };
  std::function<long(long)> fn = f;
  long r;
  if (level < flevels) {
    r = fchain(level + 1, fn, ok);
  } else {
    e2e_grow(depth, 1, &bad);
    r = 0;
    for (long x = 1; x <= 3; x++) {
      r += fn(x);
      e2e_grow(depth / 8, (uint64_t)x, &bad);
    }
  }
  /* Called 3 times with x = 1, 2, 3. */
  if (counter == 6 + 3 * level)
    (*ok)++;
  return r;
}

/* ---- strings ---- */
static long slevels;
static long strings_ok;

E2E_NOINLINE static void strings_rec(long level) {
  std::string shortS = "s" + std::to_string(level % 1000);     /* SSO */
  std::string longS(100 + level % 50, (char)('a' + level % 26)); /* heap */
  longS += std::to_string(level);
  std::string copy = shortS;
  char expect_short[32];
  snprintf(expect_short, sizeof expect_short, "s%ld", level % 1000);
  e2e_grow(depth / 50, (uint64_t)level, &bad);
  if (level < slevels)
    strings_rec(level + 1);
  else
    e2e_grow(depth, 2, &bad);
  shortS += "!";
  bool ok = shortS == std::string(expect_short) + "!" && copy == expect_short &&
            longS.size() == (size_t)(100 + level % 50) + std::to_string(level).size() &&
            longS[0] == (char)('a' + level % 26) &&
            longS.compare(100 + level % 50, std::string::npos, std::to_string(level)) == 0 &&
            strlen(shortS.c_str()) == shortS.size();
  if (ok)
    strings_ok++;
}

/* ---- virtual recursion ---- */
struct Node {
  virtual ~Node() {}
  virtual long recurse(long n) = 0;
};
static Node *nodes[3];
struct A : Node {
  long recurse(long n) override { return n <= 0 ? 1 : 1 + nodes[(n + 1) % 3]->recurse(n - 1); }
};
struct B : Node {
  long k = 2;
  long recurse(long n) override {
    long pad[2] = {n, n + 1};
    long r = n <= 0 ? 2 : k + nodes[(n + 1) % 3]->recurse(n - 1);
    if (pad[0] != n || pad[1] != n + 1)
      bad++;
    return r;
  }
};
struct C : B {
  long recurse(long n) override { return n <= 0 ? 3 : 3 + B::recurse(n - 1) - 2 + 0 * k; }
};

static long virt_model(long n) {
  /* Iterative replay of the same dispatch. */
  long total = 0;
  long cls = 0; /* the first call goes to nodes[0] */
  for (long m = n;; m--) {
    if (cls == 0) {
      if (m <= 0)
        return total + 1;
      total += 1;
      cls = (m + 1) % 3;
    } else if (cls == 1) {
      if (m <= 0)
        return total + 2;
      total += 2;
      cls = (m + 1) % 3;
    } else { /* C: 3 + B::recurse(m-1) - 2 */
      if (m <= 0)
        return total + 3;
      total += 1;
      m--; /* now in B::recurse(m) with the same object */
      if (m <= 0)
        return total + 2;
      total += 2;
      cls = (m + 1) % 3;
    }
  }
}

/* ---- exception through grown frames ---- */
static long dtors;
struct Counted {
  long v;
  std::string s;
  explicit Counted(long v) : v(v), s("c" + std::to_string(v)) {}
  ~Counted() {
    if (s != "c" + std::to_string(v))
      bad++;
    dtors++;
  }
};
struct Deep : std::runtime_error {
  long value;
  Deep(long v) : std::runtime_error("deep"), value(v) {}
};

static long catch_level;

E2E_NOINLINE static long thrower(long n, long top) {
  Counted c1(n);
  Counted c2(-n);
  if (n == 0) {
    e2e_grow(depth, 3, &bad);
    throw Deep(top * 7);
  }
  if (n % 97 == 0 && n != top) {
    /* catch only if this level is the designated one, else let it pass */
    try {
      return thrower(n - 1, top) + 1;
    } catch (const Deep &) {
      if (n != catch_level)
        throw;
      e2e_grow(depth / 4, 4, &bad); /* use the grown stack again inside the handler */
      throw std::logic_error("caught at " + std::to_string(n));
    }
  }
  return thrower(n - 1, top) + 1;
}

static void *body(void *) {
  long ok = 0;
  long fs = fchain(0, std::function<long(long)>(), &ok);
  /* each of the 3 calls returns sum of mine = 2 * (0 + ... + flevels) */
  long fe = 3 * flevels * (flevels + 1);
  printf("function: sum=%ld expected=%ld counters %s\n", fs, fe, ok == flevels + 1 ? "ok" : "bad");
  E2E_CHECK(fs == fe && ok == flevels + 1);

  strings_rec(0);
  printf("strings: levels=%ld ok=%ld\n", slevels + 1, strings_ok);
  E2E_CHECK(strings_ok == slevels + 1);

  A a;
  B b;
  C c;
  nodes[0] = &a;
  nodes[1] = &b;
  nodes[2] = &c;
  long vs = nodes[0]->recurse(depth);
  long ve = virt_model(depth);
  printf("virtual: sum=%ld expected=%ld\n", vs, ve);
  E2E_CHECK(vs == ve);

  long top = (depth / 97) * 97 + 50;
  catch_level = 97 * 3;
  dtors = 0;
  long value = -1;
  std::string msg;
  try {
    try {
      thrower(top, top);
    } catch (const Deep &d) {
      value = d.value;
    }
  } catch (const std::logic_error &e) {
    msg = e.what();
  }
  /* The Deep was converted at catch_level; frames 0..catch_level-1 and catch_level itself are
   * unwound by the logic_error (2 dtors each), as are the rest up to top. */
  long dexpect = 2 * (top + 1);
  std::string cexpect = "caught at " + std::to_string(catch_level);
  printf("exception: %s expected %s value=%ld expected=%ld dtors=%ld expected=%ld\n",
         msg.c_str(), cexpect.c_str(), value, -1L, dtors, dexpect);
  E2E_CHECK(msg == cexpect && value == -1 && dtors == dexpect);

  printf("bad=%ld\n", bad);
  E2E_CHECK(bad == 0);
  e2e_report_growth("cxx");
  return (void *)(intptr_t)e2e_finish("adv_cxx");
}

int main(int argc, char **argv) {
  long d = e2e_arg(argc, argv, 1, 100000);
  /* 100000 -> 10000-level recursions, 1000 closure levels, 500 string levels;
   * movestack (2000) -> 400, 40, 40. */
  depth = e2e_max(d / 10, 400);
  flevels = e2e_max(d / 100, 40);
  slevels = e2e_max(d / 200, 40);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}
