/* snr-threshold -- large iff the uplink SNR the router sees exceeds snr_db
 * (MODEL.md section 5).
 *
 * Default 0 dB: the SNR at which the Shannon efficiency log2(1 + snr) is
 * 1 b/s/Hz (20 Mb/s on the default 20 MHz uplink), i.e. a link that still
 * carries a request of a few kB in milliseconds; below it the link is near
 * the 3GPP TS 38.214 CQI table 1 outage region (lowest efficiency 0.1523
 * b/s/Hz).  A round figure for sweeps, not a fitted one. */
#include <stdio.h>
#include <stdlib.h>

#include "edgesim/policy.h"

enum { SNR_THRESHOLD_DB };

static const policy_param snr_params[] = {
    [SNR_THRESHOLD_DB] = {"snr_db", 0.0, -50.0, 80.0, "route large iff uplink SNR > snr_db", "dB"},
    {NULL, 0, 0, 0, NULL, NULL},
};

typedef struct snr_state {
    double snr_db;
} snr_state;

static int snr_create(void **state, const double *params, char *err, size_t errlen)
{
    snr_state *s = malloc(sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->snr_db = params[SNR_THRESHOLD_DB];
    *state = s;
    return 0;
}

static route snr_decide(void *state, const policy_view *v)
{
    const snr_state *s = state;
    return v->snr_db > s->snr_db ? ROUTE_LARGE : ROUTE_SMALL;
}

const policy_type policy_snr_threshold = {
    EDGESIM_POLICY_API_VERSION, "snr-threshold", "large iff the uplink SNR the router sees > snr_db",
    snr_params, 0, snr_create, NULL, snr_decide, free, NULL, 1,
};
