# SPDX-License-Identifier: BSD-2-Clause
#
# plot.gp - the benchmark plots, called by bench/run.sh:
#   gnuplot -e "data='DIR'; out='bench/results'" bench/plot.gp
# reads DIR/prog.dat and DIR/spin.dat (bench_report), DIR/coll.dat
# (bench_coll) and DIR/rtt_*.dat (bench_rtt) and writes out/prog.png,
# out/spin.png, out/coll.png and out/rtt.png.

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
set linetype 4 lc rgb "#228833"
unset key
plot data.'/prog.dat' using 0:2:7:xtic(1) with boxes lc variable, \
     '' using 0:2:3:4 with yerrorbars lc rgb "black" pt 0, \
     '' using 0:($2):(sprintf("%.1f", $2)) with labels offset 0,1

# ---- cost against executed instructions (bench_spin) ----------------------
# spin.dat: N, ns per message of xlate interp ref native (cols 2-5), and
# with delivery, in us, xlate interp user-r user-c (cols 6-9); -1: none.
if (system('test -s '.data.'/spin.dat && echo y') eq "y") {
	set output out.'/spin.png'
	unset yrange
	set xtics norotate enhanced
	set style fill empty
	set key top left noenhanced
	set logscale xy
	set grid xtics ytics lc rgb "#dddddd"
	set xlabel "R-code instructions executed per message (N)"
	set multiplot layout 1,2 title "Cost of a message against the instructions its handler executes"
	set title "handler alone (CPU time per message)"
	set ylabel "ns per message"
	v(c) = column(c) > 0 ? column(c) : 1/0
	plot data.'/spin.dat' using 1:(v(2)) with linespoints lw 2 lc rgb "#ee7733" title "translated (XDP)", \
	     '' using 1:(v(3)) with linespoints lw 2 lc rgb "#228833" title "in-kernel interpreter (XDP)", \
	     '' using 1:(v(4)) with linespoints lw 2 lc rgb "#aa3377" title "user level: reference interpreter", \
	     '' using 1:(v(5)) with linespoints lw 2 lc rgb "#4477aa" title "user level: native C"
	set title "with delivery (echo round trip p50 on the path)"
	set ylabel "us per message"
	plot data.'/spin.dat' using 1:(v(6)) with linespoints lw 2 lc rgb "#ee7733" title "translated at XDP", \
	     '' using 1:(v(7)) with linespoints lw 2 lc rgb "#228833" title "interpreter at XDP", \
	     '' using 1:(v(8)) with linespoints lw 2 lc rgb "#aa3377" title "user-r (rcode_serve, rc_run)", \
	     '' using 1:(v(9)) with linespoints lw 2 lc rgb "#4477aa" title "user-c (rcode_serve, C)"
	unset multiplot
	unset logscale
	unset grid
	set grid ytics lc rgb "#dddddd"
}

# ---- collectives against the number of ranks (bench_coll) -------------------
# coll.dat: N, then p50 p99 of allreduce1, allreduce16, barrier for the
# kernel mode woken by an up-call (cols 2-7), woken through the socket
# (8-13) and the user level (14-19); -1: not measured.
if (system('test -s '.data.'/coll.dat && echo y') eq "y") {
	set output out.'/coll.png'
	set xtics norotate enhanced
	set style fill empty
	set key top left noenhanced
	set logscale xy 2
	set grid xtics ytics lc rgb "#dddddd"
	set xtics (2, 4, 8, 16)
	set xrange [1.8:18]
	set yrange [*:*]
	set xlabel "ranks (N)"
	set ylabel "us per call"
	w(c) = column(c) > 0 ? column(c) : 1/0
	set multiplot layout 1,2 title "Collectives on a switched network of namespaces (per call, every rank; 16 words as 1)"
	do for [q = 0:1] {
		set title (q == 0 ? "p50" : "p99")
		plot data.'/coll.dat' using 1:(w(2 + q)) with linespoints lw 2 lc rgb "#ee7733" pt 7 title "in-kernel, up-call: allreduce", \
		     '' using 1:(w(6 + q)) with linespoints lw 2 lc rgb "#ee7733" pt 9 dt 3 title "in-kernel, up-call: barrier", \
		     '' using 1:(w(8 + q)) with linespoints lw 2 lc rgb "#228833" pt 7 title "in-kernel, socket wake: allreduce", \
		     '' using 1:(w(12 + q)) with linespoints lw 2 lc rgb "#228833" pt 9 dt 3 title "in-kernel, socket wake: barrier", \
		     '' using 1:(w(14 + q)) with linespoints lw 2 lc rgb "#4477aa" pt 7 title "user level: allreduce", \
		     '' using 1:(w(18 + q)) with linespoints lw 2 lc rgb "#4477aa" pt 9 dt 3 title "user level: barrier"
	}
	unset multiplot
	unset logscale
	unset xrange
	unset yrange
	set xtics autofreq
	unset grid
	set grid ytics lc rgb "#dddddd"
	unset xlabel
}

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
