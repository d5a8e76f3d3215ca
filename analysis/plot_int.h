/* plot_int.h -- what plot.c (the command, gnuplot), plot_figs.c (the data
 * behind each figure) and report.c share. */
#ifndef EDGESIM_PLOT_INT_H
#define EDGESIM_PLOT_INT_H

#include <stdio.h>

#include "analysis_int.h"

struct sqlite3;

typedef struct plot_ctx {
    struct sqlite3 *db;
    const char *db_path;
    const char *dir;
    const char *format;      /* png | svg | pdf */
    an_data d;               /* every unique run */
    an_family *fam;          /* policy families of every group */
    int n_fam;
    int g;                   /* the group drawn: index into d.groups */
    char subtitle[512];
    char note[512];          /* why a figure was left out (printed by the caller) */
    char err[1024];
} plot_ctx;

/* A figure: NAME.dat, NAME.gp (terminal, style.gp, the series labels, then
 * the embedded analysis/NAME.gp) and NAME.<format>.  write() returns 1
 * written, 0 no data (c->note may say why), -1 error (c->err). */
typedef struct plot_figure {
    const char *name;
    const char *caption;       /* one sentence: what the figure shows */
    const char *const *script; /* embedded analysis/NAME.gp */
    int width, height;         /* pixels (png, svg); the sweep grows per panel row */
    int (*write)(plot_ctx *c, FILE *data, FILE *script);
} plot_figure;

extern const plot_figure plot__figures[]; /* NULL-terminated */

/* plot_figs.c: one writer per figure. */
int plot__latency_cdf(plot_ctx *c, FILE *data, FILE *script);
int plot__tradeoff(plot_ctx *c, FILE *data, FILE *script);
int plot__frontier(plot_ctx *c, FILE *data, FILE *script);
int plot__pgr(plot_ctx *c, FILE *data, FILE *script);
int plot__sweep(plot_ctx *c, FILE *data, FILE *script);
int plot__breakdown(plot_ctx *c, FILE *data, FILE *script);
int plot__models(plot_ctx *c, FILE *data, FILE *script);

/* A gnuplot double-quoted string literal. */
void plot__gp_string(FILE *f, const char *s);

/* Draw every figure of group `group_index` (scenario_group.group_index; 0:
 * the first) of the database into dir: the figures that have data are
 * written and drawn, stale outputs of the others removed.  written[f] is
 * set to 1 for each figure drawn; figures f with bit f of `skip` set are
 * left out.  Returns an exit code (message in err). */
int plot__draw(const char *db_path, const char *dir, const char *format, int group_index, unsigned skip,
               int *written, char *err, size_t errlen);

#endif
