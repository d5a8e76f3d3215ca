# Figure (c): large-call fraction, mean latency and mean quality against the
# swept value (replications pooled; error bars: 95 % confidence half-widths).
# Data: sweep.dat, one block per policy (index i-1), columns x,
# large_fraction, ci95, mean_latency_s, ci95, mean_quality, ci95.
set datafile separator tab
set grid
set offsets graph 0.04, graph 0.04, 0, 0
set xlabel xlabel_text
set multiplot layout 1,3 title sprintf("Sweep over %s\n%s", xlabel_text, subtitle)
set title "Large-model calls"
set ylabel "fraction of queries routed to the edge LLM"
set yrange [0:1.02]
set key top left box opaque
plot for [i=1:nseries] "sweep.dat" index (i-1) using 1:2:3 with yerrorlines lw 2 pt 7 lc i title label[i]
set title "Mean latency"
set ylabel "mean latency (s)"
set yrange [0:*]
unset key
plot for [i=1:nseries] "sweep.dat" index (i-1) using 1:4:5 with yerrorlines lw 2 pt 7 lc i notitle
set title "Mean quality"
set ylabel "mean answer quality (0-1)"
set yrange [0:1.02]
plot for [i=1:nseries] "sweep.dat" index (i-1) using 1:6:7 with yerrorlines lw 2 pt 7 lc i notitle
unset multiplot
