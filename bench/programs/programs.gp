# bench/programs/programs.gp: ratios to plain per real-program workload (bench/programs/measure.py).
# Called with -e "datafile='...'; outfile='...'; ncols=N".
set terminal pngcairo size 900,500 font ",10"
set output outfile
set title "Real programs: CPU time relative to plain clang -O2 (lower is better)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "time / plain"
set yrange [0.9:*]
set grid ytics
set xtics rotate by -30 noenhanced
set key top right noenhanced
set arrow from graph 0, first 1.02 to graph 1, first 1.02 nohead dt 2 lc rgb "red"
set label "target 1.02" at graph 0.01, first 1.02 offset 0,0.6 tc rgb "red"
plot for [i=2:ncols+1] datafile using i:xtic(1) title columnheader(i)
