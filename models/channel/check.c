/* check.c -- `edgesim channel`: sample a configuration's channel and compare
 * with closed forms, so a user can check a configuration before a sweep.
 *
 * Closed forms under Rayleigh fading (|h|^2 ~ Exp(1), mean SNR gbar):
 *   outage   P(snr < g0) = 1 - exp(-g0 / gbar)
 *   Shannon  E[log2(1 + snr/G)] = e^(1/a) E1(1/a) / ln 2,  a = gbar / G
 *   capped at x_c = (2^(cap/B) - 1) / a:
 *            E[min(B log2(1 + a X), cap)] = B/ln2 e^(1/a) [E1(1/a) - E1(1/a + x_c)]
 *   CQI      sum_q eff_q (exp(-T_q/gbar) - exp(-T_{q+1}/gbar)), T_16 = inf
 * (E1: exponential integral; Alouini & Goldsmith, IEEE Trans. Veh. Technol.
 * 48(4), 1999, eq. 34 for the uncapped Shannon case). */
#include "channel_int.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_math.h>
#include <gsl/gsl_sf_expint.h>

static double db_to_lin(double db) { return pow(10.0, db / 10.0); }

static double capped(const channel_config *cfg, double rate_bps)
{
    return !isnan(cfg->rate.max_bps) && rate_bps > cfg->rate.max_bps ? cfg->rate.max_bps : rate_bps;
}

/* Closed-form ergodic single-user rate, bits/s. */
static double ergodic_rate_cf(const channel_config *cfg, double bandwidth_hz, double gbar_db, int rayleigh)
{
    if (!rayleigh)
        return capped(cfg, bandwidth_hz * channel_spectral_efficiency(cfg, gbar_db));
    double gbar = db_to_lin(gbar_db);
    if (strcmp(cfg->rate.model, "cqi") == 0) {
        double sum = 0;
        for (int q = 1; q <= cfg->rate.n_cqi; q++) {
            double lo = exp(-db_to_lin(cfg->rate.cqi_snr_db[q - 1]) / gbar);
            double hi = q < cfg->rate.n_cqi ? exp(-db_to_lin(cfg->rate.cqi_snr_db[q]) / gbar) : 0.0;
            sum += capped(cfg, bandwidth_hz * channel_cqi_efficiency(q)) * (lo - hi);
        }
        return sum;
    }
    double a = gbar / db_to_lin(cfg->rate.gap_db);
    double full = gsl_sf_expint_E1_scaled(1.0 / a); /* e^(1/a) E1(1/a) */
    if (isnan(cfg->rate.max_bps))
        return bandwidth_hz * full / M_LN2;
    double x_c = expm1(cfg->rate.max_bps / bandwidth_hz * M_LN2) / a;
    return bandwidth_hz / M_LN2 * (full - gsl_sf_expint_E1_scaled(1.0 / a + x_c) * exp(-x_c));
}

/* Link adaptation on a constant channel: at each SNR the CQI of the table,
 * its BLER, E[N] and residual error with HARQ, and the effective efficiency
 * against the table's; at each threshold (the 10 % BLER point) one
 * transmission delivers exactly 0.9 eff_q. */
static void harq_report(const channel_config *cfg, FILE *out)
{
    fprintf(out, "# link adaptation, constant channel: HARQ max_tx %d, BLER Q((snr - T_q)/%g + Q^-1(0.1))\n",
            cfg->harq.max_tx, cfg->harq.bler_sd_db);
    fprintf(out, "%8s %4s %9s %8s %10s %10s %10s %10s\n", "snr_db", "cqi", "bler", "mean_tx", "residual",
            "eff_table", "eff_1tx", "eff_harq");
    for (int q = 1; q <= cfg->rate.n_cqi; q++) {
        for (int half = 0; half < 2; half++) {
            double snr = cfg->rate.cqi_snr_db[q - 1] + 0.5 * half *
                         (q < cfg->rate.n_cqi ? cfg->rate.cqi_snr_db[q] - cfg->rate.cqi_snr_db[q - 1] : 2.0);
            double n, res, eff = channel_harq_efficiency(cfg, q, snr, &n, &res);
            double bler = channel_bler(cfg, q, snr);
            fprintf(out, "%8.2f %4d %9.5f %8.4f %10.3g %10.4f %10.4f %10.4f\n", snr, q, bler, n, res,
                    channel_cqi_efficiency(q), channel_cqi_efficiency(q) * (1 - bler), eff);
        }
    }
}

int channel_check_report(const channel_config *cfg, const devices_config *dev, uint64_t seed,
                         uint32_t replication, long blocks, double outage_threshold_db, FILE *out,
                         char *err, size_t errlen)
{
    if (blocks < 1) {
        snprintf(err, errlen, "channel check: expected at least 1 block, found %ld", blocks);
        return -1;
    }
    channel *ch = channel_create(cfg, dev, seed, replication, err, errlen);
    if (!ch)
        return -1;
    int rayleigh = channel_fading_find(cfg->fading.model)->rayleigh;
    const channel_pathloss_model *pl = channel_pathloss_find(cfg->pathloss.model);
    fprintf(out, "# edgesim channel: %d devices, %ld blocks of %g s, seed %llu, replication %u\n", dev->count,
            blocks, cfg->fading.block_s, (unsigned long long)seed, replication);
    fprintf(out, "# path loss %s (%s), shadowing %g dB\n", pl->name, pl->source, cfg->shadowing_db);
    char cap[32] = "none";
    if (!isnan(cfg->rate.max_bps))
        snprintf(cap, sizeof cap, "%g bit/s", cfg->rate.max_bps);
    fprintf(out, "# fading %s, rho = %.6f; rate %s, gap %g dB, cap %s; outage threshold %g dB\n", cfg->fading.model,
            channel_fading_rho(ch), cfg->rate.model, cfg->rate.gap_db, cap, outage_threshold_db);
    fprintf(out, "# _cf = closed form%s\n",
            rayleigh ? " under Rayleigh fading: outage 1 - exp(-g0/gbar), rate B e^(1/a) E1(1/a) / ln 2"
                     : " without fading");
    fprintf(out, "%6s %4s %10s %9s %10s %11s %10s %10s %13s %13s\n", "device", "dir", "distance_m", "shadow_db",
            "snr_avg_db", "snr_mean_db", "outage", "outage_cf", "rate_bps", "rate_cf_bps");

    double worst_outage = 0, worst_rate = 0;
    double g0 = db_to_lin(outage_threshold_db);
    for (int d = 0; d < dev->count; d++) {
        for (int dir = LINK_UP; dir <= LINK_DOWN; dir++) {
            double gbar_db = channel_snr_avg_db(ch, d, (link_dir)dir);
            double gbar = db_to_lin(gbar_db);
            double bandwidth_hz = dir == LINK_UP ? cfg->uplink.bandwidth_hz : cfg->downlink.bandwidth_hz;
            double sum_snr = 0, sum_rate = 0;
            long below = 0;
            for (long k = 0; k < blocks; k++) {
                double snr_db = gbar_db + 10.0 * log10(channel_fading_gain(ch, d, (link_dir)dir, k));
                sum_snr += db_to_lin(snr_db);
                below += snr_db < outage_threshold_db;
                sum_rate += capped(cfg, bandwidth_hz * channel_spectral_efficiency(cfg, snr_db));
            }
            double outage = (double)below / (double)blocks;
            double outage_cf = rayleigh ? -expm1(-g0 / gbar) : (gbar_db < outage_threshold_db ? 1.0 : 0.0);
            double rate = sum_rate / (double)blocks;
            double rate_cf = ergodic_rate_cf(cfg, bandwidth_hz, gbar_db, rayleigh);
            fprintf(out, "%6d %4s %10.2f %9.2f %10.2f %11.2f %10.5f %10.5f %13.6g %13.6g\n", d,
                    dir == LINK_UP ? "up" : "down", channel_distance_m(ch, d), channel_shadowing_db(ch, d), gbar_db,
                    10.0 * log10(sum_snr / (double)blocks), outage, outage_cf, rate, rate_cf);
            if (fabs(outage - outage_cf) > worst_outage)
                worst_outage = fabs(outage - outage_cf);
            if (rate_cf > 0 && fabs(rate / rate_cf - 1.0) > worst_rate)
                worst_rate = fabs(rate / rate_cf - 1.0);
        }
    }
    fprintf(out, "# worst |outage - outage_cf| = %.5f, worst |rate / rate_cf - 1| = %.5f\n", worst_outage, worst_rate);
    if (cfg->harq.enabled)
        harq_report(cfg, out);
    channel_destroy(ch);
    return 0;
}
