# bench/sched/sched.gp: the scheduler section's plot, from the data bench/sched/summarize_sched.py
# writes (sched.dat: block 0 times per operation, block 1 KB per parked task; NaN = not measured).
# bench/sched/run: gnuplot -e "datafile='build/bench/sched/sched.dat'; outfile='.../sched.png'" sched.gp
# Log scale on the left: the rows span 5 ns (a yield) to tens of microseconds (starting a
# Boost fiber on a fresh 128 KB stack), and ratios read as equal distances on it.
if (!exists("datafile")) datafile = 'build/bench/sched/sched.dat'
if (!exists("outfile")) outfile = 'build/bench/sched/sched.png'
set terminal pngcairo size 900,500 font "sans,9"
set output outfile
set datafile missing NaN

# gostack, Go, Boost.Fiber, Boost.Context
set linetype 1 lc rgb "#1b9e77"
set linetype 2 lc rgb "#7570b3"
set linetype 3 lc rgb "#d95f02"
set linetype 4 lc rgb "#e6ab02"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.9 border rgb "#404040"
set boxwidth 1
set grid ytics lc rgb "#dddddd"
set xtics rotate by 30 right scale 0 nomirror
set ytics nomirror
set border 3

# timerows and memrows (the number of rows in each block; bench/sched/run counts them) choose
# the panels, so that a partial run (SCHED_BENCHES) still plots what it has.
if (!exists("timerows")) timerows = 1
if (!exists("memrows")) memrows = 1
title = "Scheduler micro-benchmarks (median; p1/p2 = 1 or 2 processors/threads; lower is better)"
set multiplot title title
if (timerows > 0) {
  set origin 0, 0
  set size (memrows > 0 ? 0.73 : 1), 0.95
  set logscale y
  set yrange [1:*]
  set format y "%g"
  set ylabel "ns per operation (log scale)"
  set key top left horizontal Left reverse samplen 2
  plot datafile index 0 using 2:xtic(1) title "gostack", \
       '' index 0 using 3 title "Go", \
       '' index 0 using 4 title "Boost.Fiber", \
       '' index 0 using 5 title "Boost.Context"
}
if (memrows > 0) {
  set origin (timerows > 0 ? 0.73 : 0), 0
  set size (timerows > 0 ? 0.27 : 1), 0.95
  unset logscale y
  set yrange [0:*]
  set ylabel "KB per parked task (procs 1)"
  if (timerows > 0) { unset key } else { set key top left horizontal Left reverse samplen 2 }
  plot datafile index 1 using 2:xtic(1) title "gostack", \
       '' index 1 using 3 title "Go", \
       '' index 1 using 4 title "Boost.Fiber", \
       '' index 1 using 5 title "Boost.Context"
}
unset multiplot
