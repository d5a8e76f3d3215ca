# Shared style of every edgesim figure (prepended to each NAME.gp): 16
# series told apart by colour, dash type and point type together, so two
# series never look alike even in grey print.  Colours: Tableau 10, then six
# darker shades; the cycle restarts after 16.
set linetype 1  lc rgb "#1f77b4" lw 2 dt 1 pt 7  ps 1.1
set linetype 2  lc rgb "#d62728" lw 2 dt 2 pt 5  ps 1.1
set linetype 3  lc rgb "#2ca02c" lw 2 dt 3 pt 9  ps 1.3
set linetype 4  lc rgb "#9467bd" lw 2 dt 4 pt 13 ps 1.3
set linetype 5  lc rgb "#ff7f0e" lw 2 dt 5 pt 11 ps 1.3
set linetype 6  lc rgb "#8c564b" lw 2 dt 1 pt 15 ps 1.3
set linetype 7  lc rgb "#e377c2" lw 2 dt 2 pt 6  ps 1.1
set linetype 8  lc rgb "#7f7f7f" lw 2 dt 3 pt 4  ps 1.1
set linetype 9  lc rgb "#bcbd22" lw 2 dt 4 pt 8  ps 1.3
set linetype 10 lc rgb "#17becf" lw 2 dt 5 pt 10 ps 1.3
set linetype 11 lc rgb "#393b79" lw 2 dt 1 pt 12 ps 1.3
set linetype 12 lc rgb "#637939" lw 2 dt 2 pt 14 ps 1.3
set linetype 13 lc rgb "#8c6d31" lw 2 dt 3 pt 1  ps 1.5
set linetype 14 lc rgb "#843c39" lw 2 dt 4 pt 2  ps 1.5
set linetype 15 lc rgb "#7b4173" lw 2 dt 5 pt 3  ps 1.5
set linetype 16 lc rgb "#000000" lw 2 dt 1 pt 64 ps 1.3
set linetype cycle 16
set datafile separator tab
set datafile missing "NaN"
set border 3 lw 1
set tics nomirror out
set grid back lc rgb "#e0e0e0" lw 1 dt 1
# The legend sits outside the plot area, right of it, so it never covers data.
set key outside right top vertical Left reverse noenhanced samplen 3 spacing 1.1 box lc rgb "#bbbbbb"
