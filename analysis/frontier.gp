# Pareto frontiers of one group: quality vs mean latency (left) and quality
# vs large-model share (right).  Every policy and parameter set is a point;
# the frontier (no other point is at least as good on both axes and better
# on one) is the black step line.
# Data: frontier.dat, one block per series (index i-1): mean_latency_s,
# mean_quality, large_share; block nseries: the latency frontier
# (mean_latency_s, mean_quality); block nseries+1: the share frontier.
set multiplot layout 1,2 title sprintf("Pareto frontiers\n%s", subtitle)
set title "quality vs mean latency (upper left is better)"
set xlabel "mean latency (s)"
set ylabel "mean answer quality (0-1)"
set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05
unset key
plot "frontier.dat" index nseries using 1:2 with steps lc rgb "#000000" lw 1.5 dt 1 notitle, \
     for [i=1:nseries] "frontier.dat" index (i-1) using 1:2 with points lt i notitle
set title "quality vs large-model share"
set xlabel "share of queries routed to the edge LLM"
set xrange [0:1]
set offsets 0, 0, graph 0.05, graph 0.05
set key outside right top vertical Left reverse noenhanced samplen 3 box lc rgb "#bbbbbb"
plot "frontier.dat" index (nseries + 1) using 1:2 with steps lc rgb "#000000" lw 1.5 dt 1 title "Pareto frontier", \
     for [i=1:nseries] "frontier.dat" index (i-1) using 3:2 with points lt i title label[i]
unset multiplot
