# Quality vs mean latency: one line per policy family along its parameter
# (points labelled with the parameter's value), single parameter sets and the
# references as points.  Error bars: 95 % t confidence intervals across
# replications, clipped to latency >= 0 and quality in [0, 1].
# Data: tradeoff.dat, one block per series (index i-1): mean_latency_s, lo,
# hi, mean_quality, lo, hi, point label.
set title sprintf("Quality vs mean latency (upper left is better)\n%s", subtitle)
set xlabel "mean latency (s)"
set ylabel "mean answer quality (0-1)"
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
plot for [i=1:nseries] "tradeoff.dat" index (i-1) using 1:4:2:3:5:6 with xyerrorbars lt i pt 0 lw 1 dt 1 notitle, \
     for [i=1:nseries] "tradeoff.dat" index (i-1) using 1:4 with linespoints lt i title label[i], \
     for [i=1:nseries] "tradeoff.dat" index (i-1) using 1:4:7 with labels left offset char 0.6,0.5 font ",8" tc lt i notitle
