# Large-model share, mean latency and mean quality against the swept value,
# one line per policy; one row of panels per value of any further sweep key;
# the legend has a column of its own at the right; the x label is under
# the middle column.
# Bands and bars: 95 % t confidence intervals across replications, clipped to
# the valid range.  The x axis is logarithmic when the sweep is geometric.
# Data: sweep.dat, block (p-1)*nseries + i-1 for panel row p and series i:
# x, share, lo, hi, mean_latency_s, lo, hi, mean_quality, lo, hi.
set multiplot title sprintf("Sweep over %s\n%s", xkey, sweep_title)
if (xlog) { set logscale x 2 }
set offsets graph 0.03, graph 0.03, 0, 0
unset key
W = 0.235; H = (1.0 - 0.10) / npanels
do for [p=1:npanels] {
    set size W, H
    set xlabel ""
    set origin 0.0, 1.0 - 0.10 - p*H
    set title sprintf("large-model share%s", panel[p])
    set ylabel "share of queries routed to the edge LLM"
    set yrange [0:1]
    plot for [i=1:nseries] "sweep.dat" index ((p-1)*nseries + i-1) using 1:2:3:4 with yerrorbars lt i pt 0 lw 1 dt 1 notitle, \
         for [i=1:nseries] "sweep.dat" index ((p-1)*nseries + i-1) using 1:2 with linespoints lt i notitle
    if (p == npanels) { set xlabel xlabel_text }
    set origin W, 1.0 - 0.10 - p*H
    set title sprintf("mean latency%s", panel[p])
    set ylabel "mean latency (s)"
    set yrange [0:*]
    plot for [i=1:nseries] "sweep.dat" index ((p-1)*nseries + i-1) using 1:6:7 with filledcurves lt i fs transparent solid 0.15 noborder notitle, \
         for [i=1:nseries] "sweep.dat" index ((p-1)*nseries + i-1) using 1:5 with linespoints lt i notitle
    set xlabel ""
    set origin 2*W, 1.0 - 0.10 - p*H
    set title sprintf("mean quality%s", panel[p])
    set ylabel "mean answer quality (0-1)"
    set yrange [*:*]
    plot for [i=1:nseries] "sweep.dat" index ((p-1)*nseries + i-1) using 1:8:9:10 with yerrorbars lt i pt 0 lw 1 dt 1 notitle, \
         for [i=1:nseries] "sweep.dat" index ((p-1)*nseries + i-1) using 1:8 with linespoints lt i notitle
}
# the legend column: an empty plot whose key lists the series
set origin 3*W, 0.0
set size 1.0 - 3*W, 0.90
unset title; unset xlabel; unset ylabel; unset logscale x
unset border; unset tics; unset grid
set xrange [0:1]; set yrange [0:1]
set key inside left top vertical Left reverse noenhanced samplen 3 box lc rgb "#bbbbbb"
plot for [i=1:nseries] NaN with linespoints lt i title label[i]
unset multiplot
