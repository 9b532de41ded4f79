// bench/growth/go/growth.go: the growth benchmark of bench/growth/kernels.c in Go, for
// bench/growth/run to run beside the C systems.
//
// deep() is gr_deep line for line: the same 64-byte local array, arithmetic and use of the
// result after the call; //go:noinline keeps one frame per level (Go does no tail calls). A
// batch runs in a fresh driver goroutine and times itself from inside, as the C drivers do:
//
//	fresh  ops x (go a goroutine that recurses depth deep; wait on a WaitGroup)
//	warm   one untimed recursion grows the driver's own stack, then ops timed recursions on it
//
// The batch sizes are those of growth_bench.cpp (ops and batches per depth). Run with
// GODEBUG=adaptivestackstart=0 so every goroutine starts at 2 KB (bench/growth/run does).
//
// Output: one JSON line per benchmark with the per-repetition nanoseconds per recursion (the
// mean over the repetition's batches, as Google Benchmark reports), the check of the result,
// and the growth of runtime.MemStats.StackInuse while a fresh goroutine whose recursion has
// returned is still alive (an approximation of its stack size; Go has no per-goroutine query).
//
// Build without network or modules: GO111MODULE=off go build -o growth-go growth.go
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

var sink uint64

//go:noinline
func deep(depth int, acc uint64) uint64 {
	var pad [8]uint64
	for i := 0; i < 8; i++ {
		pad[i] = acc + uint64(i)*uint64(depth)
	}
	if depth == 0 {
		return pad[acc&7]
	}
	r := deep(depth-1, acc+pad[depth&7])
	return r + pad[r&7]
}

// opsFor and batchesFor mirror growth_bench.cpp.
func opsFor(depth int) int {
	if depth >= 100000 {
		return 1
	}
	return 100000 / depth
}

func batchesFor(depth int) int {
	switch {
	case depth >= 1000000:
		return 1
	case depth >= 100000:
		return 2
	}
	return 4
}

// runDriver runs f in a fresh goroutine and waits for it.
func runDriver(f func() time.Duration) time.Duration {
	ch := make(chan time.Duration)
	go func() { ch <- f() }()
	return <-ch
}

func fresh(ops, depth int) time.Duration {
	var sum uint64
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < ops; i++ {
		wg.Add(1)
		go func() {
			sum += deep(depth, sum)
			wg.Done()
		}()
		wg.Wait()
	}
	d := time.Since(t0)
	sink += sum
	return d
}

func warm(ops, depth int) time.Duration {
	sum := deep(depth, 0) // grows this goroutine's stack once, untimed
	t0 := time.Now()
	for i := 0; i < ops; i++ {
		sum += deep(depth, sum)
	}
	d := time.Since(t0)
	sink += sum
	return d
}

// expected is deep without recursion (growth_bench.cpp's deep_expected).
func expected(depth int, seed uint64) uint64 {
	acc := make([]uint64, depth+1)
	acc[depth] = seed
	for d := depth; d > 0; d-- {
		acc[d-1] = 2*acc[d] + uint64(d&7)*uint64(d)
	}
	r := acc[0]
	for d := 1; d <= depth; d++ {
		r = r + acc[d] + (r&7)*uint64(d)
	}
	return r
}

// check runs deep once in a fresh goroutine and reports the result and the stack memory in use
// while that goroutine is still alive (after its recursion returned: Go shrinks stacks only at GC).
func check(depth int, seed uint64) (uint64, uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var r uint64
	done := make(chan struct{})
	go func() {
		r = deep(depth, seed)
		runtime.ReadMemStats(&after)
		close(done)
	}()
	<-done
	return r, after.StackInuse - before.StackInuse
}

func main() {
	benches := flag.String("bench", "", "comma-separated grow_fresh/N, grow_warm/N")
	reps := flag.Int("reps", 5, "repetitions")
	flag.Parse()
	enc := json.NewEncoder(os.Stdout)
	for _, name := range strings.Split(*benches, ",") {
		parts := strings.Split(name, "/")
		if len(parts) != 2 || (parts[0] != "grow_fresh" && parts[0] != "grow_warm") {
			fmt.Fprintf(os.Stderr, "growth-go: unknown benchmark %q\n", name)
			os.Exit(2)
		}
		depth, err := strconv.Atoi(parts[1])
		if err != nil {
			fmt.Fprintf(os.Stderr, "growth-go: bad depth in %q\n", name)
			os.Exit(2)
		}
		ops, batches := opsFor(depth), batchesFor(depth)
		kernel := fresh
		if parts[0] == "grow_warm" {
			kernel = warm
		}
		var perRep []float64
		for r := 0; r < *reps; r++ {
			var total time.Duration
			for b := 0; b < batches; b++ {
				total += runDriver(func() time.Duration { return kernel(ops, depth) })
			}
			perRep = append(perRep, float64(total.Nanoseconds())/float64(batches*ops))
		}
		const seed = 12345
		got, stack := check(depth, seed)
		out := map[string]interface{}{
			"name": name, "system": "go", "depth": depth, "ops_per_batch": ops,
			"batches": batches, "ns_per_op": perRep, "stack_inuse_bytes": stack,
			"result_ok": got == expected(depth, seed), "gomaxprocs": runtime.GOMAXPROCS(0),
		}
		if err := enc.Encode(out); err != nil {
			panic(err)
		}
	}
	_ = sink
}
