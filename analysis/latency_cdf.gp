# Latency CDF per policy (one group: a configuration; replications pooled).
# Data: latency_cdf.dat, one block per series (index i-1): latency_s, cdf
# (nearest-rank empirical CDF, at most ~1000 points a series).
set title sprintf("Latency CDF per policy\n%s", subtitle)
set xlabel "latency t (s, log scale)"
set ylabel "fraction of queries with latency <= t"
set logscale x
set yrange [0:1]
plot for [i=1:nseries] "latency_cdf.dat" index (i-1) using 1:2 with steps lt i title label[i]
