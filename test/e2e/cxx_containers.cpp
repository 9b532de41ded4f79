// C++ standard-library objects living in frames while the stack grows under them:
// std::string (short: the SSO buffer is inside the object, and the object points into itself;
// long: heap), std::vector, std::map, std::array of strings; iterators, references and raw
// pointers into them taken before the growth and used after it. Strings built at depth and
// returned up through many frames (sret). Lambdas capturing locals by reference, called at depth
// (directly as a template parameter and through std::function).
//
// (C++ compiles are slow: one plain -O0 reference build for both gostack builds.)
// RUN: %plain-cxx -O0 %s -o %t.p0
// RUN: %gostack-cxx -O0 %s -o %t.g0
// RUN: %gostack-cxx -O2 %s -o %t.g2
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p0.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: lambda: total={{[0-9]+}} calls={{[0-9]+}} expected_total={{[0-9]+}} ok
// OUT-NEXT: short: gostack 7 same_ptr=1
// OUT-NEXT: long: 200 abcdefghijklmnopqrstuvwxyzabcd... same_ptr=1
// OUT-NEXT: vector: 1000 sum=332833500 ref=250000 same_data=1
// OUT-NEXT: map: 100 it=10 ref=ninety-nine front=0 back=693
// OUT-NEXT: array: one two three a-long-string-that-does-not-fit-in-the-sso-buffer-at-all
// OUT-NEXT: nested: 3 levels ok
// OUT-NEXT: returned: short=abc long={{[0-9]+}} ok
// OUT-NEXT: std::function: ok
// OUT-NEXT: at depth: ok
// OUT-NEXT: bad=0
// OUT-NEXT: cxx_containers: ok
//
// STATS: containers: task=1 initial=2048
// STATS: containers: grew=1 grew_during_lambda=1

#include <array>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "Inputs/e2e.h"

static long depth;
static long bad;

E2E_NOINLINE static uint64_t filler(long n, uint64_t h) {
  uint64_t pad[2]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 2, 1, h ^ (uint64_t)n);
  uint64_t r = n ? filler(n - 1, e2e_mix(h, (uint64_t)n)) : h;
  E2E_BALLAST_CHECK(pad, 2, 1, h ^ (uint64_t)n, bad);
  return r;
}

/* Builds a string at the bottom and returns it through every frame (each level returns the
 * string its callee returned, sometimes appending). */
E2E_NOINLINE static std::string make_long(long n) {
  if (n == 0)
    return std::string(100, 'z') + "end";
  std::string s = make_long(n - 1);
  if (n % 1000 == 0)
    s += 'k';
  return s;
}

E2E_NOINLINE static std::string make_short(long n) {
  if (n == 0)
    return "abc";
  std::string s = make_short(n - 1);
  if (s.size() != 3)
    bad++;
  return s;
}

/* Calls f at every level that is a multiple of 100 and at the bottom. */
template <typename F> E2E_NOINLINE static long walk(long n, F &f) {
  long pad[1]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 1, 1, n);
  long r = 0;
  if (n % 100 == 0)
    r += f((int)(n % 1000));
  if (n > 0)
    r += walk(n - 1, f);
  E2E_BALLAST_CHECK(pad, 1, 1, n, bad);
  return r;
}

E2E_NOINLINE static long walk_fn(long n, const std::function<long(long)> &f) {
  long pad[1]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 1, 1, n);
  long r = n % 50 == 0 ? f(n) : 0;
  if (n > 0)
    r += walk_fn(n - 1, f);
  E2E_BALLAST_CHECK(pad, 1, 1, n, bad);
  return r;
}

/* Containers created at depth (in a recursion), kept across deeper recursion. */
E2E_NOINLINE static bool nested(int level, long gap) {
  std::vector<std::string> vs;
  for (int i = 0; i < 5; i++)
    vs.push_back(std::to_string(level * 100 + i) + (i == 4 ? std::string(40, 'L') : ""));
  std::string sso = "lv" + std::to_string(level);
  const char *sso_ptr = sso.c_str();
  std::map<std::string, int> m;
  m["a"] = level;
  m["b" + std::string(30, 'b')] = level + 1;
  filler(gap, (uint64_t)level);
  bool ok = level == 0 || nested(level - 1, gap);
  filler(gap, (uint64_t)level + 1);
  ok &= sso == "lv" + std::to_string(level) && sso.c_str() == sso_ptr;
  ok &= vs.size() == 5 && vs[0] == std::to_string(level * 100) &&
        vs[4] == std::to_string(level * 100 + 4) + std::string(40, 'L');
  ok &= m.size() == 2 && m["a"] == level && m["b" + std::string(30, 'b')] == level + 1;
  return ok;
}

static bool run_at_depth(long n, long gap);

E2E_NOINLINE static bool down(long n, long gap) {
  long pad[1]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 1, 1, n);
  bool ok = true;
  if (n > 0)
    ok = down(n - 1, gap);
  else
    ok = run_at_depth(n, gap);
  E2E_BALLAST_CHECK(pad, 1, 1, n, bad);
  return ok;
}

static bool run_at_depth(long n, long gap) {
  /* The whole container scenario again, but starting deep in the stack. */
  std::string s = "deep";
  std::string l(64, 'q');
  std::vector<int> v(100, 3);
  std::map<int, int> m{{1, 2}, {3, 4}};
  auto it = m.find(3);
  int &r = v[50];
  filler(gap, 9);
  return s == "deep" && l == std::string(64, 'q') && it->second == 4 && &r == &v[50] &&
         r == 3 && nested(2, gap / 4);
}

static void *body(void *) {
  std::string s_short = "gostack";
  const char *short_ptr = s_short.c_str();
  std::string s_long(200, ' ');
  for (int i = 0; i < 200; i++)
    s_long[i] = (char)('a' + i % 26);
  const char *long_ptr = s_long.data();
  std::vector<int> v;
  for (int i = 0; i < 1000; i++)
    v.push_back(i * i);
  int &vr = v[500];
  const int *vdata = v.data();
  std::map<int, std::string> m;
  static const char *words[] = {"zero", "one", "two", "three", "four", "five", "six", "seven",
                                "eight", "nine"};
  for (int i = 0; i < 100; i++)
    m[i * 7] = i < 10 ? words[i] : std::to_string(i);
  m[99 * 7] = "ninety-nine";
  auto it = m.find(70);
  std::string &mref = m[693];
  std::array<std::string, 4> arr = {"one", "two", "three",
                                    "a-long-string-that-does-not-fit-in-the-sso-buffer-at-all"};

  /* Lambdas capturing locals by reference, used at depth. This is the first deep recursion on
   * main's 2 KB stack, so the stack grows while the lambda's captures (and all the containers
   * above) live in this frame. */
  long total = 0;
  std::vector<int> seen;
  std::string trail = "t";
  auto f = [&](int x) -> long {
    total += x;
    seen.push_back(x);
    if (trail.size() < 40)
      trail += (char)('a' + x % 26);
    return 1;
  };
#ifdef __GOSTACK__
  uint64_t growths_before = e2e_info().growths;
#endif
  long calls = walk(depth, f);
#ifdef __GOSTACK__
  uint64_t growths_lambda = e2e_info().growths - growths_before;
#endif
  long expect_total = 0;
  std::vector<int> expect_seen;
  std::string expect_trail = "t";
  for (long n = depth; n >= 0; n--)
    if (n % 100 == 0) {
      expect_total += n % 1000;
      expect_seen.push_back((int)(n % 1000));
      if (expect_trail.size() < 40)
        expect_trail += (char)('a' + n % 1000 % 26);
    }
  bool lok = total == expect_total && calls == (long)expect_seen.size() && seen == expect_seen &&
             trail == expect_trail;
  printf("lambda: total=%ld calls=%ld expected_total=%ld %s\n", total, calls, expect_total,
         lok ? "ok" : "bad");
  E2E_CHECK(lok);

  filler(depth, 1); /* more moves under all of the above */

  printf("short: %s %zu same_ptr=%d\n", s_short.c_str(), s_short.size(),
         s_short.c_str() == short_ptr);
  E2E_CHECK(s_short == "gostack" && s_short.c_str() == short_ptr);
  printf("long: %zu %.30s... same_ptr=%d\n", s_long.size(), s_long.c_str(),
         s_long.data() == long_ptr);
  bool long_ok = s_long.size() == 200;
  for (int i = 0; i < 200; i++)
    long_ok &= s_long[i] == (char)('a' + i % 26);
  E2E_CHECK(long_ok && s_long.data() == long_ptr);
  long vsum = 0;
  for (int x : v)
    vsum += x;
  printf("vector: %zu sum=%ld ref=%d same_data=%d\n", v.size(), vsum, vr, v.data() == vdata);
  E2E_CHECK(v.size() == 1000 && vsum == 332833500 && vr == 250000 && &vr == &v[500]);
  printf("map: %zu it=%s ref=%s front=%d back=%d\n", m.size(), it->second.c_str(), mref.c_str(),
         m.begin()->first, m.rbegin()->first);
  E2E_CHECK(m.size() == 100 && it->first == 70 && it->second == "10" && &mref == &m[693]);
  printf("array: %s %s %s %s\n", arr[0].c_str(), arr[1].c_str(), arr[2].c_str(),
         arr[3].c_str());
  E2E_CHECK(arr[0] == "one" && arr[2] == "three" &&
            arr[3] == "a-long-string-that-does-not-fit-in-the-sso-buffer-at-all");

  bool nok = nested(2, depth / 4);
  printf("nested: 3 levels %s\n", nok ? "ok" : "bad");
  E2E_CHECK(nok);

  std::string rs = make_short(depth / 10);
  std::string rl = make_long(depth / 10);
  bool rok = rs == "abc" && rl.size() == 103 + (size_t)(depth / 10 / 1000) &&
             rl.compare(0, 100, std::string(100, 'z')) == 0;
  printf("returned: short=%s long=%zu %s\n", rs.c_str(), rl.size(), rok ? "ok" : "bad");
  E2E_CHECK(rok);

  long base = (long)v.size();
  std::function<long(long)> fn = [&](long n) { return n + base + (long)s_short.size(); };
  long got = walk_fn(depth / 10, fn), want = 0;
  for (long n = depth / 10; n >= 0; n--)
    if (n % 50 == 0)
      want += n + 1000 + 7;
  printf("std::function: %s\n", got == want ? "ok" : "bad");
  E2E_CHECK(got == want);

  bool dok = down(depth / 2, depth / 2);
  printf("at depth: %s\n", dok ? "ok" : "bad");
  E2E_CHECK(dok);

  printf("bad=%ld\n", bad);
  E2E_CHECK(bad == 0);
#ifdef __GOSTACK__
  {
    gostack_stack_info i = e2e_info();
    e2e_print_info("containers", i);
    fprintf(stderr, "containers: grew=%d grew_during_lambda=%d\n", i.growths > 0,
            growths_lambda > 0);
  }
#endif
  return (void *)(intptr_t)e2e_finish("cxx_containers");
}

int main(int argc, char **argv) {
  /* 100000 frames of filler under the containers; movestack (2000) -> 2000. */
  depth = e2e_arg(argc, argv, 1, 100000);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}
