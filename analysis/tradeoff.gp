# Figure (b): the quality-latency trade-off plane.  One point per policy
# parameter set and sweep point (replications pooled); error bars are 95 %
# confidence half-widths over replications (none with one replication).
# Data: tradeoff.dat, one block per policy (index i-1), columns
# mean_latency_s, ci95_latency_s, mean_quality, ci95_quality, point.
set datafile separator tab
set title sprintf("Quality vs mean latency (upper left is better)\n%s", subtitle)
set xlabel "mean latency (s)"
set ylabel "mean answer quality (0-1)"
set grid
set key outside right top box
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
plot for [i=1:nseries] "tradeoff.dat" index (i-1) using 1:3 with linespoints lw 2 pt 7 ps 1.3 lc i title label[i], \
     for [i=1:nseries] "tradeoff.dat" index (i-1) using 1:3:2:4 with xyerrorbars lc i notitle
