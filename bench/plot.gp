# SPDX-License-Identifier: BSD-2-Clause
#
# plot.gp - the benchmark plots, called by bench/run.sh:
#   gnuplot -e "data='DIR'; out='bench/results'" bench/plot.gp
# reads DIR/prog.dat (bench_report) and DIR/rtt_*.dat (bench_rtt) and
# writes out/prog.png and out/rtt.png.

set terminal pngcairo size 960,540 font "sans,10"
set grid ytics lc rgb "#dddddd"
set key top left

# ---- ns per run: medians with their 95% confidence intervals ----------------
set output out.'/prog.png'
set title "XDP programs under BPF\\_PROG\\_TEST\\_RUN (median of rounds, 95% CI)"
set ylabel "ns per run"
set yrange [0:*]
set style fill solid 0.6 border -1
set boxwidth 0.6
set xtics rotate by 30 right noenhanced
set linetype 1 lc rgb "#999999"
set linetype 2 lc rgb "#4477aa"
set linetype 3 lc rgb "#ee7733"
unset key
plot data.'/prog.dat' using 0:2:7:xtic(1) with boxes lc variable, \
     '' using 0:2:3:4 with yerrorbars lc rgb "black" pt 0, \
     '' using 0:($2):(sprintf("%.1f", $2)) with labels offset 0,1

# ---- round trips: distribution and tail ------------------------------------
files = system('ls '.data.'/rtt_*.dat 2>/dev/null')
if (strlen(files) == 0) exit
set output out.'/rtt.png'
name(f) = system("sed -n '1s/^# \\(.*\\): .*/\\1/p' ".f)
set xtics norotate enhanced
set key bottom right noenhanced
set multiplot layout 1,2 title "Echo round trip over a veth pair"
set title "distribution"
set logscale x
set xlabel "round-trip time (us)"
set ylabel "fraction of messages at or below"
set yrange [0:1]
set style fill empty
plot for [f in files] f using 1:2 with lines lw 2 title name(f)
set title "tail"
set logscale y
set ylabel "fraction of messages above"
set yrange [1e-4:1]
set key top right
plot for [f in files] f using 1:(1 - $2 > 0 ? 1 - $2 : 1/0) with lines lw 2 title name(f)
unset multiplot
