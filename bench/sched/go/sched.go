// bench/sched/go/sched.go: the scheduler benchmarks of bench/sched/sched_kernels.c in Go, for
// bench/sched/run to run side by side with gostack's.
//
// Every kernel mirrors its C counterpart: the same operations per batch, batches per
// repetition and repetitions (sched_kernels.h; keep the constants below equal to SK_*), a fresh
// driver goroutine per batch that times the batch from inside while main waits (the C harness's
// thread waits in gostack_join) and the same trivial work. GOMAXPROCS comes from the environment
// (bench/sched/run sets it to GOSTACK_PROCS's value).
//
// Output: one JSON line per benchmark, with the per-repetition nanoseconds per operation
// (bench/sched/summarize_sched.py takes the median). -bench=parked_memory instead runs the
// parked-task memory measurement of bench/sched/parked_memory.c (one repetition per process).
//
// Build without network or modules: GO111MODULE=off go build -o sched-go sched.go
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

const (
	spawnJoinOps     = 10000
	spawnJoinBatches = 15
	goWaitTasks      = 1000
	goWaitRounds     = 10
	goWaitBatches    = 15
	yieldOps         = 200000
	yieldBatches     = 15
	pingpongOps      = 20000
	pingpongBatches  = 15
)

var sink uint64 // results the compiler must keep

// runDriver runs f as a fresh goroutine and waits for it; f returns the batch's duration.
func runDriver(f func() time.Duration) time.Duration {
	ch := make(chan time.Duration)
	go func() { ch <- f() }()
	return <-ch
}

// --- 1a. spawn + join of a goroutine doing trivial work ---------------------------------------
func trivial(x *uint64, wg *sync.WaitGroup) {
	*x += 1
	wg.Done()
}

func spawnJoin(n int) time.Duration {
	var slot uint64
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go trivial(&slot, &wg)
		wg.Wait()
	}
	d := time.Since(t0)
	sink += slot
	return d
}

// --- 1b. go x tasks, then one WaitGroup wait ---------------------------------------------------
type slot struct {
	x  uint64
	wg *sync.WaitGroup
}

var slots [goWaitTasks]slot

func trivialDone(s *slot) {
	s.x += 1
	s.wg.Done()
}

func goWait(rounds, tasks int) time.Duration {
	var wg sync.WaitGroup
	for i := 0; i < tasks; i++ {
		slots[i].wg = &wg
	}
	t0 := time.Now()
	for r := 0; r < rounds; r++ {
		wg.Add(tasks)
		for i := 0; i < tasks; i++ {
			go trivialDone(&slots[i])
		}
		wg.Wait()
	}
	return time.Since(t0)
}

// --- 2. yield ----------------------------------------------------------------------------------
func yieldAlone(n int) time.Duration {
	t0 := time.Now()
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	return time.Since(t0)
}

func yielder(n int, wg *sync.WaitGroup) {
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	wg.Done()
}

func yieldPair(n int) time.Duration {
	each := n / 2
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(2)
	go yielder(each, &wg)
	go yielder(each, &wg)
	wg.Wait()
	return time.Since(t0)
}

// --- 3. unbuffered channel ping-pong -----------------------------------------------------------
func ponger(ping <-chan int64, pong chan<- int64, done chan<- struct{}) {
	for v := range ping {
		pong <- v + 1
	}
	close(done)
}

func pingpong(n int) time.Duration {
	ping, pong, done := make(chan int64), make(chan int64), make(chan struct{})
	go ponger(ping, pong, done)
	var v int64
	t0 := time.Now()
	for i := 0; i < n; i++ {
		ping <- v
		v = <-pong
	}
	d := time.Since(t0)
	sink += uint64(v)
	close(ping)
	<-done
	return d
}

// --- 4. memory per parked goroutine (parked_memory.c) -----------------------------------------
var (
	release           chan struct{}
	started, finished sync.WaitGroup
)

func parked() {
	started.Done()
	<-release
	finished.Done()
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		panic(err)
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(b), &size, &resident); err != nil {
		panic(err)
	}
	return resident * int64(os.Getpagesize())
}

func parkedMemory(n int) map[string]interface{} {
	release = make(chan struct{})
	before := rssBytes()
	t0 := time.Now()
	started.Add(n)
	finished.Add(n)
	for i := 0; i < n; i++ {
		go parked()
	}
	started.Wait()
	t1 := time.Now()
	time.Sleep(20 * time.Millisecond)
	after := rssBytes()
	t2 := time.Now()
	close(release)
	finished.Wait()
	t3 := time.Now()
	done := rssBytes()
	return map[string]interface{}{
		"bench": "parked_memory", "impl": "go", "procs": runtime.GOMAXPROCS(0), "tasks": n,
		"rss_before": before, "rss_parked": after, "rss_after": done,
		"bytes_per_task":      float64(after-before) / float64(n),
		"start_ns_per_task":   float64(t1.Sub(t0).Nanoseconds()) / float64(n),
		"release_ns_per_task": float64(t3.Sub(t2).Nanoseconds()) / float64(n),
	}
}

// --- driver ------------------------------------------------------------------------------------
type bench struct {
	name    string
	ops     int // operations per batch
	batches int
	batch   func() time.Duration
}

func main() {
	benchList := flag.String("bench", "spawn_join,go_wait1000,yield_alone,yield_pair,pingpong",
		"comma-separated benchmarks, or parked_memory")
	reps := flag.Int("reps", 5, "repetitions (the summarizer takes the median)")
	tasks := flag.Int("tasks", 1000000, "parked_memory: goroutines")
	flag.Parse()

	benches := []bench{
		{"spawn_join", spawnJoinOps, spawnJoinBatches, func() time.Duration { return spawnJoin(spawnJoinOps) }},
		{"go_wait1000", goWaitTasks * goWaitRounds, goWaitBatches, func() time.Duration { return goWait(goWaitRounds, goWaitTasks) }},
		{"yield_alone", yieldOps, yieldBatches, func() time.Duration { return yieldAlone(yieldOps) }},
		{"yield_pair", yieldOps, yieldBatches, func() time.Duration { return yieldPair(yieldOps) }},
		{"pingpong", pingpongOps, pingpongBatches, func() time.Duration { return pingpong(pingpongOps) }},
	}
	enc := json.NewEncoder(os.Stdout)
	for _, name := range strings.Split(*benchList, ",") {
		if name == "parked_memory" {
			enc.Encode(parkedMemory(*tasks))
			continue
		}
		found := false
		for _, b := range benches {
			if b.name != name {
				continue
			}
			found = true
			nsPerOp := make([]float64, *reps)
			for r := 0; r < *reps; r++ {
				var total time.Duration
				for i := 0; i < b.batches; i++ {
					total += runDriver(b.batch)
				}
				nsPerOp[r] = float64(total.Nanoseconds()) / float64(b.batches*b.ops)
			}
			out := map[string]interface{}{
				"bench": b.name, "impl": "go", "procs": runtime.GOMAXPROCS(0),
				"ops_per_batch": b.ops, "batches": b.batches, "ns_per_op": nsPerOp,
				"go_version": runtime.Version(),
			}
			enc.Encode(out)
		}
		if !found {
			fmt.Fprintf(os.Stderr, "sched-go: unknown benchmark %q\n", name)
			os.Exit(2)
		}
	}
}
