/* plot.h -- `edgesim plot RESULTS.db [-o DIR]`: the standard figures via gnuplot. */
#ifndef EDGESIM_PLOT_H
#define EDGESIM_PLOT_H

/* argv[0] is "plot".  Returns an exit code (0 ok, 2 usage, 4 output error). */
int analysis_plot_main(int argc, char **argv);

#endif
