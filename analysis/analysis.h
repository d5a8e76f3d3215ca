/* analysis.h -- the analysis commands over a results database:
 *   edgesim summary  per group and policy, every metric with a t CI
 *   edgesim compare  paired differences against a baseline policy
 *   edgesim metrics  RouteLLM PGR/CPT/APGR with latency, Pareto frontiers,
 *                    "at equal quality" comparisons
 *   edgesim report   one self-contained HTML file
 * (and edgesim plot, plot.h).  Each takes argv with argv[0] the command
 * name and returns an exit code (sim/base/exit_codes.h): 0 ok, 2 usage,
 * 3 cannot read the database, 4 cannot write the output.  Definitions: docs/ANALYSIS.md.
 */
#ifndef EDGESIM_ANALYSIS_H
#define EDGESIM_ANALYSIS_H

int analysis_summary_main(int argc, char **argv);
int analysis_compare_main(int argc, char **argv);
int analysis_metrics_main(int argc, char **argv);
int analysis_report_main(int argc, char **argv);

#endif
