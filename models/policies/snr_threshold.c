/* snr-threshold -- large iff the uplink SNR the router sees exceeds snr_db
 * (MODEL.md section 5).
 *
 * Default 0 dB: the SNR at which the Shannon efficiency log2(1 + snr) is
 * 1 b/s/Hz (20 Mb/s on the default 20 MHz uplink), i.e. a link that still
 * carries a request of a few kB in milliseconds; below it the link is near
 * the 3GPP TS 38.214 CQI table 1 outage region (lowest efficiency 0.1523
 * b/s/Hz).  A round figure for sweeps, not a fitted one. */
#include <stdlib.h>

#include "edgesim/policy.h"
#include "policies_int.h"

enum { SNR_THRESHOLD_DB };

static const policy_param snr_params[] = {
    [SNR_THRESHOLD_DB] = {"snr_db", 0.0, -50.0, 80.0, "route large iff uplink SNR > snr_db", "dB"},
    {NULL, 0, 0, 0, NULL, NULL},
};

_Static_assert(SNR_THRESHOLD_DB == 0, "policy_create_one_double stores params[0]");

static route snr_decide(void *state, const policy_view *v)
{
    double snr_db = *(const double *)state;
    return v->snr_db > snr_db ? ROUTE_LARGE : ROUTE_SMALL;
}

const policy_type policy_snr_threshold = {
    EDGESIM_POLICY_API_VERSION, "snr-threshold", "large iff the uplink SNR the router sees > snr_db",
    snr_params, 0, policy_create_one_double, NULL, snr_decide, free, NULL, 1,
};
