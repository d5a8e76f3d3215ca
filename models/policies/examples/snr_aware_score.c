/* snr_aware_score.c -- an example policy plug-in for edgesim.
 *
 * Route large iff p_large > threshold(SNR), where the threshold falls
 * linearly from p_at_low_snr at snr_low_db to p_at_high_snr at snr_high_db
 * (and is flat outside): on a bad uplink only queries the router is sure
 * about are worth the radio, on a good one the edge takes more.
 *
 * Needs nothing but edgesim/policy.h and libc.  Build and use:
 *   cc -shared -fPIC -I<dir holding edgesim/> snr_aware_score.c -o snr_aware_score.so
 *   edgesim run scenario.json --policy-plugin ./snr_aware_score.so \
 *       --set policy.name=snr-aware-score
 */
#include <stdio.h>
#include <stdlib.h>

#include "edgesim/policy.h"

enum { P_LOW, P_HIGH, SNR_LOW, SNR_HIGH };

static const policy_param params[] = {
    [P_LOW] = {"p_at_low_snr", 0.8, 0.0, 1.0, "score threshold at and below snr_low_db", NULL},
    [P_HIGH] = {"p_at_high_snr", 0.3, 0.0, 1.0, "score threshold at and above snr_high_db", NULL},
    [SNR_LOW] = {"snr_low_db", 0.0, -50.0, 80.0, "SNR where the threshold starts to fall", "dB"},
    [SNR_HIGH] = {"snr_high_db", 20.0, -50.0, 80.0, "SNR where it stops falling", "dB"},
    {NULL, 0, 0, 0, NULL, NULL},
};

typedef struct state {
    double p_low, p_high, snr_low, snr_high;
} state;

static int create(void **out, const double *p, char *err, size_t errlen)
{
    if (!(p[SNR_LOW] < p[SNR_HIGH])) {
        snprintf(err, errlen, "snr_low_db (%g) must be below snr_high_db (%g)", p[SNR_LOW], p[SNR_HIGH]);
        return -1;
    }
    state *s = malloc(sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->p_low = p[P_LOW];
    s->p_high = p[P_HIGH];
    s->snr_low = p[SNR_LOW];
    s->snr_high = p[SNR_HIGH];
    *out = s;
    return 0;
}

static double threshold_at(const state *s, double snr_db)
{
    if (snr_db <= s->snr_low)
        return s->p_low;
    if (snr_db >= s->snr_high)
        return s->p_high;
    double w = (snr_db - s->snr_low) / (s->snr_high - s->snr_low);
    return s->p_low + w * (s->p_high - s->p_low);
}

static route decide(void *st, const policy_view *v)
{
    return v->p_large > threshold_at(st, v->snr_db) ? ROUTE_LARGE : ROUTE_SMALL;
}

static const policy_type type = {
    .api_version = EDGESIM_POLICY_API_VERSION,
    .name = "snr-aware-score",
    .summary = "large iff p_large > a threshold falling linearly with uplink SNR (example plug-in)",
    .params = params,
    .create = create,
    .decide = decide,
    .destroy = free,
};

const policy_type *edgesim_policy_plugin(void)
{
    return &type;
}
