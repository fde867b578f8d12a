# SPDX-License-Identifier: BSD-2-Clause
#
# osu.gp - rcode against MPI, the OSU method (bench/osu.sh):
#   gnuplot -e "data='DIR'; out='DIR'" bench/osu/osu.gp
# reads DIR/osu.dat (bench/osu/osu_report.py: N, then for each way p50
# and OSU avg of the 8-byte allreduce and of the barrier; -1: not
# measured) and writes out/osu.png: p50 (solid) and OSU avg (dashed)
# against N, one panel per operation.
set terminal pngcairo size 1200,520 font "sans,10"
set output out.'/osu.png'
set datafile missing "-1"
set logscale xy 2
set grid xtics ytics lc rgb "#dddddd"
set xlabel "ranks (N), each in its own network namespace"
set ylabel "µs per call"
set key top left noenhanced font ",8"
set xtics (2, 4, 8, 16)
set xrange [1.8:18]
ways = "rcode-auto rcode-spin rcode-sleep rcode-upcall rcode-user ompi-tcp ompi-shm mpich-tcp"
colors = "#228833 #66ccee #4477aa #aa3377 #999999 #ee6677 #ccbb44 #ee7733"
# column of way i (1-based), op o (0 allreduce, 1 barrier), stat s (0 p50, 1 avg)
col(i, o, s) = 2 + (i - 1) * 4 + o * 2 + s
set multiplot layout 1,2
do for [o = 0:1] {
	set title (o == 0 ? "allreduce, 8 bytes" : "barrier")." — p50 (solid), OSU avg (dashed)"
	plot for [i = 1:words(ways)] data.'/osu.dat' using 1:(column(col(i, o, 0)) > 0 ? column(col(i, o, 0)) : 1/0) \
		with linespoints lw 2 pt 7 ps 0.6 lc rgb word(colors, i) title word(ways, i), \
	     for [i = 1:words(ways)] data.'/osu.dat' using 1:(column(col(i, o, 1)) > 0 ? column(col(i, o, 1)) : 1/0) \
		with lines lw 1 dt 2 lc rgb word(colors, i) notitle
}
unset multiplot
