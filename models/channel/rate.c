/* rate.c -- SNR-to-rate models, chosen by name (channel.rate.model). */
#include "channel_int.h"

#include <math.h>
#include <string.h>

/* 3GPP TS 38.214 Table 5.2.2.1-2 (4-bit CQI table 1: QPSK, 16QAM, 64QAM),
 * spectral efficiency in b/s/Hz = modulation order x code rate/1024; CQI 0
 * is "out of range".  The same values as TS 36.213 Table 7.2.3-1. */
static const double cqi_efficiency[CHANNEL_MAX_CQI + 1] = {
    0.0,    0.1523, 0.2344, 0.3770, 0.6016, 0.8770, 1.1758, 1.4766,
    1.9141, 2.4063, 2.7305, 3.3223, 3.9023, 4.5234, 5.1152, 5.5547,
};

double channel_cqi_efficiency(int cqi)
{
    return cqi >= 0 && cqi <= CHANNEL_MAX_CQI ? cqi_efficiency[cqi] : NAN;
}

int channel_cqi_index(const channel_config *cfg, double snr_db)
{
    int q = 0;
    while (q < cfg->rate.n_cqi && snr_db >= cfg->rate.cqi_snr_db[q])
        q++;
    return q;
}

/* Q^-1(0.1): the BLER curve passes through 10 % at the CQI threshold. */
#define Q_INV_0_1 1.2815515655446004

/* AWGN BLER of CQI q: a Gaussian tail in dB, 0.1 at T_q (the form of the
 * erfc curves fitted per MCS by Mezzavilla et al. 2012 for ns-3's LTE
 * error model, here over SNR in dB). */
double channel_bler(const channel_config *cfg, int cqi, double snr_db)
{
    if (cqi < 1 || cqi > cfg->rate.n_cqi)
        return 1.0;
    double z = (snr_db - cfg->rate.cqi_snr_db[cqi - 1]) / cfg->harq.bler_sd_db + Q_INV_0_1;
    return 0.5 * erfc(z / M_SQRT2);
}

double channel_harq_efficiency(const channel_config *cfg, int cqi, double snr_db, double *mean_tx,
                               double *residual)
{
    /* Chase combining of i copies on a constant channel: SNR + 10 log10 i. */
    double fail = 1.0, tx = 0;
    for (int i = 1; i <= cfg->harq.max_tx; i++) {
        tx += fail;
        fail *= channel_bler(cfg, cqi, snr_db + 10.0 * log10((double)i));
    }
    if (mean_tx)
        *mean_tx = tx;
    if (residual)
        *residual = fail;
    return channel_cqi_efficiency(cqi) * (1.0 - fail) / tx;
}

/* Shannon capacity with an SNR gap Gamma: log2(1 + snr / Gamma). */
static double shannon_efficiency(const channel_config *cfg, double snr_db)
{
    return log2(1.0 + pow(10.0, (snr_db - cfg->rate.gap_db) / 10.0));
}

static double cqi_rate_efficiency(const channel_config *cfg, double snr_db)
{
    return cqi_efficiency[channel_cqi_index(cfg, snr_db)];
}

static const channel_rate_model shannon = {"shannon", shannon_efficiency,
                                           "Shannon with an SNR gap: R = B_share log2(1 + snr/Gamma), Gamma = `gap_db`"};
static const channel_rate_model cqi = {
    "cqi", cqi_rate_efficiency,
    "spectral efficiency of the largest CQI whose threshold (`cqi_snr_db`) is at or below the SNR, "
    "3GPP TS 38.214 Table 5.2.2.1-2; outage below CQI 1"};

const channel_rate_model *const channel_rate_models[] = {&shannon, &cqi, NULL};

const channel_rate_model *channel_rate_find(const char *name)
{
    for (const channel_rate_model *const *m = channel_rate_models; *m; m++)
        if (strcmp((*m)->name, name) == 0)
            return *m;
    return NULL;
}

double channel_spectral_efficiency(const channel_config *cfg, double snr_db)
{
    const channel_rate_model *m = channel_rate_find(cfg->rate.model);
    return m ? m->efficiency(cfg, snr_db) : NAN;
}
