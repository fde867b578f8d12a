# SPDX-License-Identifier: BSD-2-Clause
#
# model.gp - bench/osu/model.py's model against the measurements:
#   gnuplot -e "data='DIR'; out='DIR'" bench/osu/model.gp
# reads DIR/model.dat and writes out/model.png: for rcode (default) and
# Open MPI TCP, the measured p50 (points), the fit on this machine
# (dashed, N <= 16) and the prediction with a CPU per rank (solid), to
# N = 1,024; one panel per operation.
set terminal pngcairo size 1200,520 font "sans,10"
set output out.'/model.png'
set datafile missing "-1"
set logscale xy 2
set grid xtics ytics lc rgb "#dddddd"
set xlabel "ranks (N)"
set ylabel "µs per call (p50)"
set key top left noenhanced font ",8"
# keys in model.dat: ways rcode-auto rcode-sleep ompi-tcp mpich-tcp, each
# with allreduce then barrier; 3 columns each
ways = "rcode-auto rcode-sleep ompi-tcp mpich-tcp"
colors = "#228833 #4477aa #ee6677 #ee7733"
c0(i, o) = 2 + ((i - 1) * 2 + o) * 3
pos(x) = x > 0 ? x : 1/0
set multiplot layout 1,2
do for [o = 0:1] {
	set title (o == 0 ? "allreduce, 8 bytes" : "barrier")." — measured, fit (dashed), a CPU per rank (solid)"
	plot for [i = 1:words(ways)] data.'/model.dat' using 1:(pos(column(c0(i, o) + 2))) \
		with points pt 7 ps 1 lc rgb word(colors, i) title word(ways, i), \
	     for [i = 1:words(ways)] data.'/model.dat' using 1:(pos(column(c0(i, o)))) \
		with lines dt 2 lc rgb word(colors, i) notitle, \
	     for [i = 1:words(ways)] data.'/model.dat' using 1:(pos(column(c0(i, o) + 1))) \
		with lines lw 2 lc rgb word(colors, i) notitle
}
unset multiplot
