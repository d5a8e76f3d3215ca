/* pathloss.c -- large-scale path-loss models, chosen by name
 * (channel.pathloss.model).  Adding a model = one struct + one registry line. */
#include "channel_int.h"

#include <math.h>
#include <string.h>

#define SPEED_OF_LIGHT_M_S 299792458.0

/* 3GPP TR 36.814 V9.0.0 Table A.2.1.1.2-3 (macro cell, case 1, 2 GHz):
 * L = 128.1 + 37.6 log10(R), R in km. */
static double macro_loss_db(const channel_config *cfg, double distance_m)
{
    (void)cfg;
    return 128.1 + 37.6 * log10(distance_m / 1000.0);
}

/* Friis free-space loss: 20 log10(4 pi d f / c), d in m, f in Hz. */
static double free_space_at(double distance_m, double carrier_hz)
{
    return 20.0 * log10(4.0 * 3.14159265358979323846 * distance_m * carrier_hz / SPEED_OF_LIGHT_M_S);
}

static double free_space_loss_db(const channel_config *cfg, double distance_m)
{
    return free_space_at(distance_m, cfg->pathloss.carrier_hz);
}

/* Log-distance model (Rappaport, Wireless Communications, 2nd ed., eq. 4.68):
 * L = L(d0) + 10 n log10(d / d0); L(d0) = ref_loss_db, or free space at d0
 * and carrier_hz when ref_loss_db is null. */
static double log_distance_loss_db(const channel_config *cfg, double distance_m)
{
    double d0 = cfg->pathloss.ref_distance_m;
    double ref = isnan(cfg->pathloss.ref_loss_db) ? free_space_at(d0, cfg->pathloss.carrier_hz)
                                                  : cfg->pathloss.ref_loss_db;
    return ref + 10.0 * cfg->pathloss.exponent * log10(distance_m / d0);
}

static const channel_pathloss_model macro = {"3gpp-macro", macro_loss_db,
                                             "3GPP TR 36.814 Table A.2.1.1.2-3: 128.1 + 37.6 log10(R/km)"};
static const channel_pathloss_model free_space = {"free-space", free_space_loss_db,
                                                  "Friis: 20 log10(4 pi d f / c)"};
static const channel_pathloss_model log_distance = {"log-distance", log_distance_loss_db,
                                                    "Rappaport eq. 4.68: L(d0) + 10 n log10(d/d0)"};

const channel_pathloss_model *const channel_pathloss_models[] = {&macro, &free_space, &log_distance, NULL};

const channel_pathloss_model *channel_pathloss_find(const char *name)
{
    for (const channel_pathloss_model *const *m = channel_pathloss_models; *m; m++)
        if (strcmp((*m)->name, name) == 0)
            return *m;
    return NULL;
}

double channel_pathloss_db(const channel_config *cfg, double distance_m)
{
    const channel_pathloss_model *m = channel_pathloss_find(cfg->pathloss.model);
    return m ? m->loss_db(cfg, distance_m) : NAN;
}
