// The program of indirect_virtual.test (gostack-compiled): virtual calls into a class compiled
// by plain clang++ (Inputs/indirect_plain_shapes.cpp), from tasks that have used almost all of
// their 2 KB: iostreams formatting, a 5000-level recursion and a C++ exception thrown by the
// plain code and caught here, across the system-stack switch. Virtual calls into a class of
// this program stay direct: a recursion through them grows a fresh 2 KB task stack.
// argv: [depth of the plain recursion].
#include "e2e.h"
#include "indirect_shapes.h"

#include <stdexcept>

namespace {

long plain_depth;
long helper_bad;

Shape *volatile plain_shape;
Shape *volatile gs_shape;

struct GsTriangle : Shape {
  long base;
  explicit GsTriangle(long b) : base(b) {}
  long area(long scale) const override { return base * base * scale / 2; }
  void describe(char *buf, size_t n) const override {
    snprintf(buf, n, "triangle base=%ld", base);
  }
  // Recursion through virtual calls: every level an indirect call to this same function (the
  // object comes from a volatile, so the optimizer cannot devirtualize).
  __attribute__((noinline)) long deep(long n) const override {
    uint64_t pad[4]; /* frame ballast (e2e.h) */
    long bad = 0;
    E2E_BALLAST_SET(pad, 4, 1, (uint64_t)n);
    long r = n == 0 ? base : gs_shape->deep(n - 1) + 1;
    E2E_BALLAST_CHECK(pad, 4, 1, (uint64_t)n, bad);
    helper_bad += bad;
    return r;
  }
};

#ifdef __GOSTACK__
int all_initial = 1;
#endif

E2E_NOINLINE long batch(long d) {
  const Shape *s = plain_shape;
  char buf[96];
  E2E_NOTE_LEFT();
  s->describe(buf, sizeof buf);
  E2E_NOTE_LEFT();
  long a = s->area(d + 1);
  E2E_NOTE_LEFT();
  long r = s->deep(plain_depth);
  std::string what = "none";
  try {
    E2E_NOTE_LEFT();
    s->area(-d - 1);
  } catch (const std::runtime_error &e) {
    what = e.what();
  }
  printf("task d=%ld: [%s] area %ld deep %ld caught [%s]\n", d, buf, a, r, what.c_str());
  return a + r;
}

void *task_fn(void *p) {
  long d = (long)(intptr_t)p;
  long r = e2e_descend(d, batch, d);
#ifdef __GOSTACK__
  all_initial &= e2e_info().initial_size == 2048;
#endif
  return (void *)(intptr_t)(r != 0);
}

void *gs_task(void *) {
  char buf[64];
  gs_shape->describe(buf, sizeof buf);
  long r = gs_shape->deep(e2e_movestack() ? 200 : 2000);
  printf("ours: [%s] area %ld deep %ld\n", buf, gs_shape->area(3), r);
  e2e_report_growth("ours");
  return nullptr;
}

} // namespace

int main(int argc, char **argv) {
  plain_depth = e2e_arg(argc, argv, 1, 5000);
  plain_shape = make_plain_shape(7);
  gs_shape = new GsTriangle(6);
  int all = 1;
  for (long d = 0; d < 24; d++)
    all &= (int)(intptr_t)e2e_join(e2e_spawn(task_fn, (void *)(intptr_t)d));
  printf("all tasks %s\n", all ? "ok" : "BAD");
  E2E_CHECK(all);
  e2e_join(e2e_spawn(gs_task, nullptr));
  E2E_CHECK(helper_bad == 0);
  delete plain_shape;
  delete gs_shape;
#ifdef __GOSTACK__
  fprintf(stderr, "virtual: min_left_small=%d all_initial_2048=%d\n",
          e2e_min_left < (e2e_movestack() ? 4096u : 2048u), all_initial);
#endif
  return e2e_finish("indirect_virtual");
}
