# RouteLLM's performance gap recovered (PGR) against the large-model share,
# one curve per policy family from (0, 0) (always-small) to (1, 1)
# (always-large); the dashed diagonal is the random router (APGR 0.5).
# Points are labelled with the family's parameter values.
# Data: pgr.dat, one block per family (index i-1): large_share, pgr, label.
set title sprintf("PGR vs large-model share (RouteLLM, with latency in edgesim metrics)\n%s", subtitle)
set xlabel "share of queries routed to the edge LLM"
set ylabel "performance gap recovered, PGR"
set xrange [0:1]
set offsets 0, 0, graph 0.05, graph 0.05
plot x with lines lc rgb "#555555" lw 1.5 dt 2 title "random router (diagonal)", \
     for [i=1:nseries] "pgr.dat" index (i-1) using 1:2 with linespoints lt i title label[i], \
     for [i=1:nseries] "pgr.dat" index (i-1) using 1:2:3 with labels left offset char 0.6,-0.6 font ",8" tc lt i notitle
