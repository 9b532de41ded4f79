#!/usr/bin/env python3
"""bench/programs/gencorpus.py: a deterministic corpus for the compression workloads.

Usage: gencorpus.py OUT MEGABYTES
Writes log-like text: timestamps, words drawn from a Zipf-like vocabulary, hex ids, numbers and
an occasional JSON-ish record, so the compressors see the mix of repetition and entropy real
logs have (a random or constant file would exercise only one path of each). Same bytes on
every machine: a fixed linear congruential generator, no `random` module."""
import sys


class Lcg:
    def __init__(self, seed):
        self.s = seed

    def next(self, n):
        self.s = (self.s * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        return (self.s >> 33) % n


def main():
    out, mb = sys.argv[1], int(sys.argv[2])
    rng = Lcg(20261128)
    syll = ["ka", "to", "ri", "mu", "sen", "do", "va", "lin", "por", "est", "qu", "ix", "an", "el"]
    vocab = []
    for i in range(4000):
        w = "".join(syll[rng.next(len(syll))] for _ in range(1 + rng.next(4)))
        vocab.append(w)
    levels = ["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]
    target = mb << 20
    size = 0
    lines = []
    t = 1700000000
    while size < target:
        t += rng.next(3)
        # Zipf-like: small indices much more often.
        words = " ".join(vocab[min(rng.next(4000), rng.next(4000), rng.next(4000))]
                         for _ in range(3 + rng.next(12)))
        if rng.next(10) == 0:
            line = '%d %s {"id":"%08x","n":%d,"msg":"%s"}\n' % (
                t, levels[rng.next(6)], rng.next(1 << 32), rng.next(100000), words)
        else:
            line = "%d %s [%s] %s %d\n" % (t, levels[rng.next(6)], vocab[rng.next(50)], words,
                                           rng.next(1000))
        lines.append(line)
        size += len(line)
    with open(out, "w") as f:
        f.write("".join(lines)[:target])


if __name__ == "__main__":
    main()
