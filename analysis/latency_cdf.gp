# Figure (a): latency CDF per policy.  Written by `edgesim plot`; edit freely
# and re-run with `gnuplot latency_cdf.gp` in this folder.
# Data: latency_cdf.dat, one block per series (gnuplot index i-1), columns
# latency_s, cdf (nearest-rank empirical CDF, at most ~1000 points a series).
set datafile separator tab
set title sprintf("Latency CDF per policy\n%s", subtitle)
set xlabel "latency t (s, log scale)"
set ylabel "fraction of queries with latency <= t"
set logscale x
set yrange [0:1.02]
set grid
set key bottom right box opaque
plot for [i=1:nseries] "latency_cdf.dat" index (i-1) using 1:2 with steps lw 2 title label[i]
