// gostack.hpp: a header-only C++17 layer over the gostack C API (gostack/gostack.h).
//
//   gostack::go(f, args...)          a detached task (Go's `go` statement)
//   gostack::spawn(f, args...)       a task with a result: Task<R>, join() returns R or rethrows
//   gostack::Channel<T>              Go's chan T, for any movable T; range-for until close
//   gostack::select(cases...)        Go's select: on_recv, on_send, default_case
//   gostack::WaitGroup, gostack::Mutex (Lockable: std::lock_guard, std::unique_lock, ...)
//   gostack::yield(), sleep_for(), sleep_until(), procs(), this_task::id()
//
// Ownership and exceptions:
//   - go() and spawn() copy (decay) the callable and its arguments into a heap closure that the
//     task invokes as an rvalue and destroys when it finishes, as std::thread does.
//   - An exception escaping a go()'d callable calls std::terminate (as with std::thread).
//     One escaping a spawn()'d callable is stored (std::exception_ptr) and rethrown by join().
//   - Exceptions never cross the C runtime: every trampoline catches them.
//   - A Channel<T> whose T is not trivially copyable carries a pointer to a heap box holding the
//     moved value (the C channel copies bytes); the receiver takes the value out and frees the
//     box. Boxes still buffered when the Channel is destroyed are freed with their values.
//     Trivially copyable T goes through the C channel by value.
//
// Tasks move between threads: see the note on thread-local variables in gostack.h. The C++
// runtime keeps the exceptions being handled (and std::uncaught_exceptions()) in per-thread
// state, which today stays with the thread: do not block (channel operations, join, lock,
// sleep, yield) inside a catch handler, since after resuming on another thread a `throw;` there
// calls std::terminate. Catch, copy what you need, leave the handler, then block. This
// header's own handlers make no instrumented call (so no preemption point) between catch and
// end of handler.
#ifndef GOSTACK_GOSTACK_HPP
#define GOSTACK_GOSTACK_HPP

#include <gostack/gostack.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

namespace gostack {

// ---- Scheduling ---------------------------------------------------------------------------------

// Lets other runnable tasks run (Go's runtime.Gosched).
inline void yield() noexcept { gostack_yield(); }

// Parks the calling task (or blocks the calling thread) for at least `d`. Non-positive
// durations return at once.
template <class Rep, class Period> void sleep_for(const std::chrono::duration<Rep, Period> &d) {
  if (d <= d.zero())
    return;
  if (std::chrono::duration<double, std::nano>(d).count() >= 9.2e18) // ~292 years: clamp
    return gostack_sleep_ns(UINT64_MAX / 2);
  gostack_sleep_ns(static_cast<uint64_t>(std::chrono::ceil<std::chrono::nanoseconds>(d).count()));
}

// Sleeps until `t` on t's clock (at least until then; steady clocks are the useful ones).
template <class Clock, class Duration>
void sleep_until(const std::chrono::time_point<Clock, Duration> &t) {
  for (;;) {
    auto now = Clock::now();
    if (now >= t)
      return;
    sleep_for(t - now);
  }
}

// Number of processors tasks run on (GOSTACK_PROCS).
inline int procs() noexcept { return gostack_procs(); }

namespace this_task {
// The calling task's id (1 is main), or 0 when the caller is not a task.
inline uint64_t id() noexcept { return gostack_task_id(); }
inline void yield() noexcept { gostack_yield(); }
template <class Rep, class Period> void sleep_for(const std::chrono::duration<Rep, Period> &d) {
  gostack::sleep_for(d);
}
template <class Clock, class Duration>
void sleep_until(const std::chrono::time_point<Clock, Duration> &t) {
  gostack::sleep_until(t);
}
} // namespace this_task

// ---- Tasks ----------------------------------------------------------------------------------

namespace detail {

// The callable and its arguments, decay-copied; invoked once, as rvalues (like std::thread).
template <class F, class... Args> struct Closure {
  std::decay_t<F> fn;
  std::tuple<std::decay_t<Args>...> args;

  template <class G, class... A>
  explicit Closure(G &&g, A &&...a) : fn(std::forward<G>(g)), args(std::forward<A>(a)...) {}

  decltype(auto) operator()() {
    return std::apply(
        [this](auto &&...a) -> decltype(auto) {
          return std::invoke(std::move(fn), std::forward<decltype(a)>(a)...);
        },
        std::move(args));
  }
};

template <class F, class... Args>
using closure_result_t = std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>;

template <class C> void go_trampoline(void *p) noexcept {
  std::unique_ptr<C> c(static_cast<C *>(p));
  try {
    (*c)();
  } catch (...) {
    std::terminate(); // inside the handler: the terminate handler reports the exception
  }
}

// The exception a spawn()'d task threw. capture() runs inside the task's catch handler and
// constructs the exception_ptr in place from std::current_exception() (guaranteed copy elision):
// the handler then calls only libstdc++ functions, never an instrumented function, whose entry
// could preempt the task and resume it on another thread between __cxa_begin_catch and
// __cxa_end_catch (the C++ runtime keeps the exception being handled per thread).
class TaskError {
public:
  TaskError() noexcept = default;
  TaskError(const TaskError &) = delete;
  TaskError &operator=(const TaskError &) = delete;
  ~TaskError() {
    if (set_)
      get().~exception_ptr();
  }
  __attribute__((always_inline)) void capture() noexcept {
    ::new (static_cast<void *>(buf_)) std::exception_ptr(std::current_exception());
    set_ = true;
  }
  explicit operator bool() const noexcept { return set_; }
  std::exception_ptr &get() noexcept {
    return *std::launder(reinterpret_cast<std::exception_ptr *>(buf_));
  }

private:
  alignas(std::exception_ptr) unsigned char buf_[sizeof(std::exception_ptr)];
  bool set_ = false;
};

// What spawn()'s task leaves for join(): its result (a pointer for reference results) or the
// exception it threw. Owned by the Task handle.
template <class R> struct TaskState {
  using Slot = std::conditional_t<std::is_reference_v<R>, std::remove_reference_t<R> *, R>;
  std::optional<Slot> value;
  TaskError error;
};
template <> struct TaskState<void> { TaskError error; };

struct adopt_t {};
inline constexpr adopt_t adopt{};

template <class C, class R> struct SpawnJob {
  C call;
  TaskState<R> *state;
};

template <class C, class R> void *spawn_trampoline(void *p) noexcept {
  std::unique_ptr<SpawnJob<C, R>> job(static_cast<SpawnJob<C, R> *>(p));
  TaskState<R> *st = job->state;
  try {
    if constexpr (std::is_void_v<R>)
      job->call();
    else if constexpr (std::is_reference_v<R>)
      st->value.emplace(std::addressof(job->call()));
    else
      st->value.emplace(job->call());
  } catch (...) {
    st->error.capture();
  }
  return nullptr; // the closure (captures, arguments) is destroyed here, on the task
}

} // namespace detail

// Starts a detached task running f(args...) (Go's `go f(args...)`). f and args are decay-copied
// to the heap; the task frees them. An exception escaping f calls std::terminate.
template <class F, class... Args> void go(F &&f, Args &&...args) {
  using C = detail::Closure<F, Args...>;
  static_assert(std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>,
                "gostack::go: the callable cannot be invoked with these arguments (as rvalues)");
  auto *c = new C(std::forward<F>(f), std::forward<Args>(args)...);
  gostack_go(&detail::go_trampoline<C>, c);
}

// A spawned task with a result of type R (void allowed): a move-only handle, like std::jthread
// combined with std::future.
//
// join() waits for the task and returns its result, or rethrows the exception it threw. A Task
// that is still joinable when destroyed (or assigned to) is joined there; its result is
// discarded, and if the task threw, std::terminate is called (a destructor cannot rethrow, and
// the exception would otherwise be lost silently). Join explicitly to handle errors.
template <class R> class [[nodiscard]] Task {
public:
  using result_type = R;

  Task() noexcept = default;
  Task(Task &&o) noexcept
      : task_(std::exchange(o.task_, nullptr)), state_(std::exchange(o.state_, nullptr)) {}
  Task &operator=(Task &&o) noexcept {
    if (this != &o) {
      join_or_terminate();
      task_ = std::exchange(o.task_, nullptr);
      state_ = std::exchange(o.state_, nullptr);
    }
    return *this;
  }
  Task(const Task &) = delete;
  Task &operator=(const Task &) = delete;
  ~Task() { join_or_terminate(); }

  bool joinable() const noexcept { return task_ != nullptr; }

  // Waits for the task; returns its result or rethrows its exception. Afterwards the Task is
  // empty. Throws std::logic_error when not joinable.
  R join() {
    if (!task_)
      throw std::logic_error("gostack::Task::join: task not joinable");
    std::unique_ptr<detail::TaskState<R>> st(std::exchange(state_, nullptr));
    gostack_join(std::exchange(task_, nullptr));
    if (st->error)
      std::rethrow_exception(st->error.get());
    if constexpr (std::is_reference_v<R>)
      return static_cast<R>(**st->value);
    else if constexpr (!std::is_void_v<R>)
      return std::move(*st->value);
  }

  // Used by spawn().
  Task(detail::adopt_t, gostack_task *t, detail::TaskState<R> *s) noexcept : task_(t), state_(s) {}

private:
  void join_or_terminate() noexcept {
    if (!task_)
      return;
    std::unique_ptr<detail::TaskState<R>> st(std::exchange(state_, nullptr));
    gostack_join(std::exchange(task_, nullptr));
    if (st->error) {
      try {
        std::rethrow_exception(st->error.get());
      } catch (...) {
        std::terminate(); // reports the exception that join() was never asked to rethrow
      }
    }
  }

  gostack_task *task_ = nullptr;
  detail::TaskState<R> *state_ = nullptr;
};

// Starts a task running f(args...) and returns its handle; see Task. f and args are decay-copied
// to the heap and destroyed on the task when f returns.
template <class F, class... Args>
Task<detail::closure_result_t<F, Args...>> spawn(F &&f, Args &&...args) {
  using R = detail::closure_result_t<F, Args...>;
  using C = detail::Closure<F, Args...>;
  using Job = detail::SpawnJob<C, R>;
  auto state = std::make_unique<detail::TaskState<R>>();
  std::unique_ptr<Job> job(
      new Job{C(std::forward<F>(f), std::forward<Args>(args)...), state.get()});
  gostack_task *t = gostack_spawn(&detail::spawn_trampoline<C, R>, job.get());
  job.release(); // the task owns it now
  return Task<R>(detail::adopt, t, state.release());
}

// ---- Channels ---------------------------------------------------------------------------------

template <class T> class Channel;

namespace detail {

// How a T travels through a C channel: by value when trivially copyable, otherwise as a pointer
// to a heap box (new T(std::move(v))) that the receiving side takes over.
template <class T> struct Wire {
  static constexpr bool boxed = !std::is_trivially_copyable_v<T>;
  static constexpr std::size_t size = boxed ? sizeof(T *) : sizeof(T);

  // Storage one element is received into.
  struct Slot {
    alignas(T *) alignas(T) unsigned char bytes[boxed ? sizeof(T *) : sizeof(T)];
    void *addr() noexcept { return bytes; }
    // Moves the received value out (and frees its box).
    T take() {
      if constexpr (boxed) {
        std::unique_ptr<T> box(*std::launder(reinterpret_cast<T **>(bytes)));
        return T(std::move(*box));
      } else {
        return *std::launder(reinterpret_cast<T *>(bytes));
      }
    }
    // Destroys a received value nobody will take (boxed only; trivial values need nothing).
    void discard() noexcept {
      if constexpr (boxed)
        delete *std::launder(reinterpret_cast<T **>(bytes));
    }
  };
};

struct NoopCase {
  void operator()() const noexcept {}
};

} // namespace detail

// Go's `chan T`: a move-only owner of a gostack channel of T with a buffer of `capacity`
// elements (0: unbuffered). Tasks share it by reference (or pointer). Without a garbage
// collector, the owner must outlive every use, to the end of the last send, recv or close call
// in any task: join the tasks that use a channel before destroying it (Task handles declared
// after the Channel do that in their destructors). T may be any move-constructible type:
// non-trivially-copyable values are moved into heap boxes (see the top of this file).
template <class T> class Channel {
  static_assert(std::is_object_v<T> && !std::is_const_v<T> && !std::is_volatile_v<T> &&
                    !std::is_array_v<T>,
                "gostack::Channel<T>: T must be a non-const, non-array object type");
  static_assert(std::is_move_constructible_v<T>,
                "gostack::Channel<T>: T must be move-constructible");
  using Wire = detail::Wire<T>;

public:
  using value_type = T;
  // True when values travel as heap boxes (T is not trivially copyable).
  static constexpr bool boxed = Wire::boxed;

  explicit Channel(std::size_t capacity = 0) : ch_(gostack_chan_make(Wire::size, capacity)) {}
  Channel(Channel &&o) noexcept : ch_(std::exchange(o.ch_, nullptr)) {}
  Channel &operator=(Channel &&o) noexcept {
    if (this != &o) {
      destroy();
      ch_ = std::exchange(o.ch_, nullptr);
    }
    return *this;
  }
  Channel(const Channel &) = delete;
  Channel &operator=(const Channel &) = delete;
  // Frees the channel and any values still buffered in it. No task may be using it.
  ~Channel() { destroy(); }

  // Sends v, blocking until a receiver took it or it is buffered. Returns false (and destroys v)
  // when the channel is closed.
  bool send(T v) {
    if constexpr (boxed) {
      std::unique_ptr<T> box(new T(std::move(v)));
      T *p = box.get();
      if (!gostack_chan_send(ch_, &p))
        return false;
      box.release(); // the receiver owns it
      return true;
    } else {
      return gostack_chan_send(ch_, std::addressof(v));
    }
  }

  // Receives a value, blocking until one is available; std::nullopt when the channel is closed
  // and drained.
  std::optional<T> recv() {
    typename Wire::Slot slot;
    if (!gostack_chan_recv(ch_, slot.addr()))
      return std::nullopt;
    return std::optional<T>(slot.take());
  }

  // Closes the channel: receivers drain what is buffered, then get std::nullopt; blocked and
  // later senders get false. Closing twice is a gostack fatal error, as in Go.
  void close() noexcept { gostack_chan_close(ch_); }

  // Values buffered now, and the buffer's capacity.
  std::size_t size() const noexcept { return gostack_chan_len(ch_); }
  std::size_t capacity() const noexcept { return gostack_chan_cap(ch_); }

  gostack_chan *native_handle() const noexcept { return ch_; }

  // Range-for over received values until the channel is closed and drained:
  //   for (auto &v : ch)        v is an lvalue T (move from it if you like)
  //   for (T v : ch.range())    each value is moved out (works for move-only T)
  struct sentinel {};
  template <bool Move> class basic_iterator {
  public:
    using iterator_category = std::input_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = T *;
    using reference = std::conditional_t<Move, T &&, T &>;

    explicit basic_iterator(Channel *ch) : ch_(ch), cur_(ch->recv()) {}
    reference operator*() { return static_cast<reference>(*cur_); }
    pointer operator->() { return std::addressof(*cur_); }
    basic_iterator &operator++() {
      cur_.reset();
      cur_ = ch_->recv();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const basic_iterator &i, sentinel) noexcept { return !i.cur_; }
    friend bool operator!=(const basic_iterator &i, sentinel) noexcept { return bool(i.cur_); }
    friend bool operator==(sentinel, const basic_iterator &i) noexcept { return !i.cur_; }
    friend bool operator!=(sentinel, const basic_iterator &i) noexcept { return bool(i.cur_); }

  private:
    Channel *ch_;
    std::optional<T> cur_;
  };
  using iterator = basic_iterator<false>;

  // begin() receives the first value (it blocks).
  iterator begin() { return iterator(this); }
  sentinel end() const noexcept { return {}; }

  class range_view {
  public:
    explicit range_view(Channel &ch) noexcept : ch_(&ch) {}
    basic_iterator<true> begin() { return basic_iterator<true>(ch_); }
    sentinel end() const noexcept { return {}; }

  private:
    Channel *ch_;
  };
  range_view range() noexcept { return range_view(*this); }

private:
  void destroy() noexcept {
    if (!ch_)
      return;
    if constexpr (boxed) {
      // Free the values still buffered (closed or not): non-blocking receives until empty.
      for (;;) {
        typename Wire::Slot slot;
        gostack_select_case c{ch_, GOSTACK_SELECT_RECV, slot.addr(), false};
        if (gostack_select(&c, 1, false) < 0 || !c.ok)
          break;
        slot.discard();
      }
    }
    gostack_chan_free(std::exchange(ch_, nullptr));
  }

  gostack_chan *ch_;
};

// ---- select -----------------------------------------------------------------------------------
//
//   int i = gostack::select(
//       gostack::on_recv(in, [&](std::optional<int> v) { ... }),   // v empty: closed, drained
//       gostack::on_send(out, std::string("x"), [&] { ... }),      // or [&](bool ok) {...}
//       gostack::default_case([&] { ... }));                       // optional: never blocks
//
// Waits until one case can proceed (without a default_case), performs it, runs its callback
// and returns the case's position among the arguments. When several can proceed, one is chosen
// at random. With a default_case and no case ready, runs the default callback and returns its
// position. A case on a null Channel pointer never fires (Go's nil channel). A send case on a
// closed channel fires with ok = false (a callback taking bool sees it). The value of a send
// case that does not fire, or fires on a closed channel, is destroyed with the case: no value
// is ever lost to a channel or freed twice. Callbacks run after the channel operation, outside
// the C runtime; an exception from one propagates out of select. A select that can never fire
// (no cases, or only nil channels) and has no default_case is a gostack fatal error (Go would
// block forever). Up to 4 cases need no allocation in the runtime.

template <class T, class F> class RecvCase {
  static_assert(std::is_invocable_v<F &, std::optional<T>> || std::is_invocable_v<F &>,
                "gostack::on_recv: the callback must take std::optional<T> (or nothing)");

public:
  RecvCase(Channel<T> *ch, F f) : ch_(ch), f_(std::move(f)) {}
  RecvCase(RecvCase &&) = default;
  RecvCase(const RecvCase &) = delete;

  void fill(gostack_select_case &c) noexcept {
    c.chan = ch_ ? ch_->native_handle() : nullptr;
    c.dir = GOSTACK_SELECT_RECV;
    c.elem = slot_.addr();
    c.ok = false;
  }
  void fire(const gostack_select_case &c) {
    std::optional<T> v;
    if (c.ok)
      v.emplace(slot_.take()); // owns the value (and freed its box) before the callback runs
    if constexpr (std::is_invocable_v<F &, std::optional<T>>)
      std::invoke(f_, std::move(v));
    else
      std::invoke(f_);
  }

private:
  Channel<T> *ch_;
  F f_;
  typename detail::Wire<T>::Slot slot_;
};

template <class T, class F> class SendCase {
  static_assert(std::is_invocable_v<F &, bool> || std::is_invocable_v<F &>,
                "gostack::on_send: the callback must take bool ok (or nothing)");
  static constexpr bool boxed = detail::Wire<T>::boxed;

public:
  SendCase(Channel<T> *ch, T v, F f) : ch_(ch), f_(std::move(f)) {
    if constexpr (boxed)
      box_.reset(new T(std::move(v)));
    else
      value_.emplace(std::move(v));
  }
  SendCase(SendCase &&) = default;
  SendCase(const SendCase &) = delete;

  void fill(gostack_select_case &c) noexcept {
    c.dir = GOSTACK_SELECT_SEND;
    c.ok = false;
    if constexpr (boxed) {
      wire_ = box_.get();
      c.elem = &wire_;
      c.chan = ch_ && box_ ? ch_->native_handle() : nullptr; // a spent case never fires again
    } else {
      c.elem = std::addressof(*value_);
      c.chan = ch_ ? ch_->native_handle() : nullptr;
    }
  }
  void fire(const gostack_select_case &c) {
    if constexpr (boxed) {
      if (c.ok)
        (void)box_.release(); // the receiver owns it
      else
        box_.reset(); // closed channel: the value was not sent
    }
    if constexpr (std::is_invocable_v<F &, bool>)
      std::invoke(f_, bool(c.ok));
    else
      std::invoke(f_);
  }

private:
  Channel<T> *ch_;
  F f_;
  std::unique_ptr<T> box_; // boxed: the value until a receiver takes it
  std::conditional_t<boxed, char, std::optional<T>> value_{}; // by value: the value itself
  T *wire_ = nullptr;                                         // boxed: what the C channel copies
};

template <class F> class DefaultCase {
  static_assert(std::is_invocable_v<F &>, "gostack::default_case: the callback takes nothing");

public:
  explicit DefaultCase(F f) : f_(std::move(f)) {}
  void fire() { std::invoke(f_); }

private:
  F f_;
};

// Receive case: f is called with std::optional<T> (empty: closed and drained), or with no
// arguments (the value, if any, is dropped).
template <class T, class F = detail::NoopCase>
RecvCase<T, std::decay_t<F>> on_recv(Channel<T> &ch, F &&f = {}) {
  return RecvCase<T, std::decay_t<F>>(&ch, std::forward<F>(f));
}
template <class T, class F = detail::NoopCase>
RecvCase<T, std::decay_t<F>> on_recv(Channel<T> *ch, F &&f = {}) {
  return RecvCase<T, std::decay_t<F>>(ch, std::forward<F>(f));
}

// Send case: v is sent if this case is chosen; f is called with no arguments, or with bool ok
// (false: the channel was closed and v was destroyed).
template <class T, class U, class F = detail::NoopCase>
SendCase<T, std::decay_t<F>> on_send(Channel<T> &ch, U &&v, F &&f = {}) {
  return SendCase<T, std::decay_t<F>>(&ch, T(std::forward<U>(v)), std::forward<F>(f));
}
template <class T, class U, class F = detail::NoopCase>
SendCase<T, std::decay_t<F>> on_send(Channel<T> *ch, U &&v, F &&f = {}) {
  return SendCase<T, std::decay_t<F>>(ch, T(std::forward<U>(v)), std::forward<F>(f));
}

// Makes select non-blocking: f runs when no other case is ready.
template <class F = detail::NoopCase> DefaultCase<std::decay_t<F>> default_case(F &&f = {}) {
  return DefaultCase<std::decay_t<F>>(std::forward<F>(f));
}

namespace detail {
template <class C> struct is_default_case : std::false_type {};
template <class F> struct is_default_case<DefaultCase<F>> : std::true_type {};
template <class C>
inline constexpr bool is_default_case_v = is_default_case<std::decay_t<C>>::value;
template <class C> struct is_select_case : std::false_type {};
template <class T, class F> struct is_select_case<RecvCase<T, F>> : std::true_type {};
template <class T, class F> struct is_select_case<SendCase<T, F>> : std::true_type {};
template <class F> struct is_select_case<DefaultCase<F>> : std::true_type {};
} // namespace detail

template <class... Cases> int select(Cases &&...cases) {
  static_assert((detail::is_select_case<std::decay_t<Cases>>::value && ...),
                "gostack::select: arguments must be on_recv, on_send or default_case cases");
  constexpr std::size_t ndefault = (std::size_t{0} + ... + detail::is_default_case_v<Cases>);
  static_assert(ndefault <= 1, "gostack::select: at most one default_case");
  constexpr std::size_t n = sizeof...(Cases) - ndefault;

  gostack_select_case cs[n > 0 ? n : 1] = {};
  int arg_of[n > 0 ? n : 1] = {}; // C case index -> argument position
  {
    std::size_t k = 0;
    int pos = 0;
    auto fill = [&](auto &c) {
      if constexpr (!detail::is_default_case_v<decltype(c)>) {
        c.fill(cs[k]);
        arg_of[k++] = pos;
      }
      pos++;
    };
    (fill(cases), ...);
  }
  int r = gostack_select(cs, n, ndefault == 0);
  int fired = r >= 0 ? arg_of[r] : -1;
  int pos = 0;
  auto dispatch = [&](auto &c) {
    if constexpr (detail::is_default_case_v<decltype(c)>) {
      if (r < 0) {
        fired = pos;
        c.fire();
      }
    } else {
      if (pos == fired)
        c.fire(cs[r]);
    }
    pos++;
  };
  (dispatch(cases), ...);
  return fired;
}

// ---- WaitGroup and Mutex ----------------------------------------------------------------------

// Go's sync.WaitGroup. Neither copyable nor movable (tasks refer to it).
class WaitGroup {
public:
  WaitGroup() noexcept = default;
  WaitGroup(const WaitGroup &) = delete;
  WaitGroup &operator=(const WaitGroup &) = delete;

  // Adds delta (may be negative) to the counter; a negative counter is a gostack fatal error.
  void add(int64_t delta = 1) noexcept { gostack_waitgroup_add(&wg_, delta); }
  void done() noexcept { gostack_waitgroup_done(&wg_); }
  // Blocks until the counter is zero.
  void wait() noexcept { gostack_waitgroup_wait(&wg_); }

  // add(1), then go(f, args...) with done() when f returns (Go 1.25's WaitGroup.Go).
  template <class F, class... Args> void go(F &&f, Args &&...args) {
    add(1);
    gostack::go(
        [wg = this](auto &&fn, auto &&...a) {
          std::invoke(std::forward<decltype(fn)>(fn), std::forward<decltype(a)>(a)...);
          wg->done();
        },
        std::forward<F>(f), std::forward<Args>(args)...);
  }

  gostack_waitgroup *native_handle() noexcept { return &wg_; }

private:
  gostack_waitgroup wg_ = GOSTACK_WAITGROUP_INIT;
};

// A task mutex (contended waiters park). Satisfies Lockable: use it with std::lock_guard,
// std::unique_lock, std::scoped_lock. Not recursive; any task may unlock it (as in Go), and
// unlocking an unlocked Mutex is a gostack fatal error.
class Mutex {
public:
  Mutex() noexcept = default;
  Mutex(const Mutex &) = delete;
  Mutex &operator=(const Mutex &) = delete;

  void lock() noexcept { gostack_mutex_lock(&mu_); }
  bool try_lock() noexcept { return gostack_mutex_trylock(&mu_); }
  void unlock() noexcept { gostack_mutex_unlock(&mu_); }

  gostack_mutex *native_handle() noexcept { return &mu_; }

private:
  gostack_mutex mu_ = GOSTACK_MUTEX_INIT;
};

} // namespace gostack

#endif // GOSTACK_GOSTACK_HPP
