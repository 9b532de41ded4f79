// channels: Go's concurrent prime sieve with the C++ layer, gostack/gostack.hpp.
//
//   build/bin/gostack-clang++ -O2 examples/channels.cpp -o channels && ./channels [limit]
//   (or: tools/demo channels [limit])
//
// One task generates 2, 3, 4, ... limit into a channel. main takes the first number that comes
// out of the last channel of the chain, which is prime, prints it and adds a filter task for it:
// the filter copies its input to a new channel, dropping the prime's multiples. Each task starts
// on a 2 KB stack, so a chain of thousands of tasks is cheap.
//
// Unlike the Go original, the sieve stops: the generator closes its channel at `limit`, every
// filter closes its output when its input is closed, and main's loop ends when the last channel
// is closed. Tasks are joined (the Task destructors) before the channels they use are freed.
#include <gostack/gostack.hpp>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <vector>

// Sends 2, 3, ... limit, then closes the channel.
static void generate(gostack::Channel<int> &out, int limit) {
  for (int i = 2; i <= limit; i++)
    out.send(i);
  out.close();
}

// Copies in to out, leaving out the multiples of prime; closes out when in is closed.
static void filter(gostack::Channel<int> &in, gostack::Channel<int> &out, int prime) {
  for (int n : in.range())
    if (n % prime != 0)
      out.send(n);
  out.close();
}

int main(int argc, char **argv) {
  int limit = argc > 1 ? std::atoi(argv[1]) : 1000;

  std::deque<gostack::Channel<int>> chain; // a deque: growing it keeps references valid
  std::vector<gostack::Task<void>> tasks;  // declared after chain: joined before it is freed

  chain.emplace_back(); // unbuffered
  tasks.push_back(gostack::spawn(generate, std::ref(chain.back()), limit));

  int count = 0, last = 0;
  while (std::optional<int> prime = chain.back().recv()) {
    if (count < 10 || *prime > limit - 50)
      std::printf("%d\n", *prime);
    else if (count == 10)
      std::printf("...\n");
    count++;
    last = *prime;
    gostack::Channel<int> &in = chain.back();
    chain.emplace_back();
    tasks.push_back(gostack::spawn(filter, std::ref(in), std::ref(chain.back()), *prime));
  }
  std::printf("%d primes up to %d (the last: %d), found by %zu tasks on %d processors\n", count,
              limit, last, tasks.size(), gostack::procs());
  return 0;
}
