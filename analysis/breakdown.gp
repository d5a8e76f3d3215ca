# Where the latency goes, per policy: the mean over queries of each step,
# from the record's time stamps (the parts sum to the mean latency).  Data:
# breakdown.dat, one row per policy: label, router, uplink, edge queue,
# device queue, prefill, decode (first to last token), downlink of the answer
# after its last token (seconds).
set title sprintf("Mean latency per step and policy\n%s", subtitle)
set ylabel "mean time per query (s)"
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border -1
set boxwidth 0.7
set xtics rotate by 30 right nomirror font ",9"
unset grid
set grid ytics back lc rgb "#e0e0e0"
set yrange [0:*]
plot "breakdown.dat" using 2:xtic(1) title "router" lc rgb "#9e9e9e" dt 1, \
     "" using 3 title "uplink (incl. access)" lc rgb "#1f77b4" dt 1, \
     "" using 4 title "edge queue" lc rgb "#d62728" dt 1, \
     "" using 5 title "device queue" lc rgb "#ff7f0e" dt 1, \
     "" using 6 title "prefill" lc rgb "#2ca02c" dt 1, \
     "" using 7 title "decode" lc rgb "#9467bd" dt 1, \
     "" using 8 title "answer downlink" lc rgb "#17becf" dt 1
