// The program's entry: the plugin renames the user's `main` to __gostack_main, and this `main`
// runs it as task 1 on a GOSTACK_STACK_MIN-byte stack (2 KB by default) that grows on demand,
// on the scheduler (sched.c) with the main thread as its first M.
// GOSTACK_MAIN_TASK=0 runs it on the ordinary thread stack instead (no growth, guard 0).
//
// Kept alone in its object file: a program whose main was not compiled by gostack still links
// against libgostack.a without pulling this one in.

#include "scheduler.h"

#include "gostack/gostack.h"

#include <stddef.h>

extern int __gostack_main(int argc, char **argv, char **envp);

struct main_args {
  int argc;
  char **argv;
  char **envp;
  int status;
};

_Static_assert(offsetof(struct main_args, argv) == 8 && offsetof(struct main_args, envp) == 16 &&
                   offsetof(struct main_args, status) == 24,
               "maintask_entry.S reads these offsets");

// maintask_entry.S: calls __gostack_main(a->argc, a->argv, a->envp), stores a->status.
void *gostack_main_task_entry(void *a);

int main(int argc, char **argv, char **envp) {
  gostack_runtime_init();
  if (!gostack_cfg.main_task)
    return __gostack_main(argc, argv, envp);
  static struct main_args a; // static: M0's scheduler loop runs below this frame for good
  a = (struct main_args){argc, argv, envp, 0};
  // The main thread becomes M0 and runs the scheduler; the process exits (calling exit, so
  // atexit handlers and stdio flushing run) with main's status when the main task returns.
  // exit() called inside a task runs on the system stack (a foreign call) and never comes back.
  gostack_sched_run_main(gostack_main_task_entry, &a, &a.status);
}
