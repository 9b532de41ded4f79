# bench/copystack/copystack.gp: throughput of one stack move against memcpy, from the data
# bench/copystack/summarize.py writes (copystack.dat: stack size, then GB/s of memcpy, copystack
# precise and conservative, warm then cold; NaN = not measured).
# bench/copystack/run: gnuplot -e "datafile='...'; outfile='.../copystack.png'" copystack.gp
if (!exists("datafile")) datafile = 'build/bench/copystack/copystack.dat'
if (!exists("outfile")) outfile = 'build/bench/copystack/copystack.png'
set terminal pngcairo size 900,500 font "sans,9"
set output outfile
set datafile missing NaN

set title "One stack move vs memcpy of the same bytes (median; higher is better)"
set logscale x 2
set xtics ("4 KB" 4096, "16 KB" 16384, "64 KB" 65536, "256 KB" 262144, "1 MB" 1048576, \
           "4 MB" 4194304)
set xlabel "stack size (full: the used part is the size minus about 1.6 KB)"
# Log y: warm moves run at tens of GB/s, growths into non-resident pages at about one.
set logscale y
set ylabel "GB/s (bytes copied / CPU time, log scale)"
set yrange [0.2:100]
set ytics ("0.25" 0.25, "0.5" 0.5, "1" 1, "2" 2, "5" 5, "10" 10, "20" 20, "50" 50, "100" 100)
set grid xtics ytics lc rgb "#dddddd"
set key bottom right Left reverse samplen 3
set border 3
set xtics nomirror
set ytics nomirror
set xrange [3000:5600000]

# memcpy, copystack precise, copystack conservative; solid = warm pool, dashed = cold growth
set linetype 1 lc rgb "#404040" lw 2 pt 7 ps 0.8
set linetype 2 lc rgb "#1b9e77" lw 2 pt 5 ps 0.8
set linetype 3 lc rgb "#d95f02" lw 2 pt 9 ps 0.9
plot datafile using 1:2 with linespoints lt 1 title "memcpy, resident buffer", \
     '' using 1:3 with linespoints lt 2 title "copystack precise, warm pool", \
     '' using 1:4 with linespoints lt 3 title "copystack conservative, warm pool", \
     '' using 1:5 with linespoints lt 1 dt 2 title "memcpy, non-resident buffer", \
     '' using 1:6 with linespoints lt 2 dt 2 title "growth precise, non-resident stack", \
     '' using 1:7 with linespoints lt 3 dt 2 title "growth conservative, non-resident stack"
