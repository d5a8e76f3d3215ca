/* sites.c -- edge sites: their keys, the hexagonal layout helper and the
 * checks (docs/CHANNEL.md, "Sites and handover"). */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "models/channel/channel.h"

const key_spec site_keys[] = {
    KEY_NUM(site_config, x_m, "x_m", "0", -1e7, 1e7, "site position, x, m"),
    KEY_NUM(site_config, y_m, "y_m", "0", -1e7, 1e7, "site position, y, m"),
    KEY_INTV(site_config, servers, "servers", "0", 0, 1024, "edge servers of this site (0: edge.servers)"),
    KEY_TABLE_END,
};

const key_spec site_layout_keys[] = {
    KEY_INTV(sites_config, layout.hex_count, "hex_count", "0", 0, SITES_MAX,
             "> 0: this many sites on a hexagonal grid around the origin (centre, then rings of 6, 12, ...), "
             "replacing `sites`"),
    KEY_NUM(sites_config, layout.isd_m, "isd_m", "500", 1, 1e6, "inter-site distance of the hexagonal grid, m"),
    KEY_INTV(sites_config, layout.servers, "servers", "0", 0, 1024,
             "edge servers of each grid site (0: edge.servers)"),
    KEY_TABLE_END,
};

const key_spec handover_keys[] = {
    KEY_NUM(sites_config, handover.hysteresis_db, "hysteresis_db", "3", 0, 40,
            "A3 offset: a neighbour's mean SNR must exceed the serving site's by this, dB"),
    KEY_NUM(sites_config, handover.ttt_s, "ttt_s", "0.16", 0, 100,
            "time to trigger: the A3 condition must hold this long, s (TS 38.331 timeToTrigger)"),
    KEY_NUM(sites_config, handover.interrupt_s, "interrupt_s", "0.05", 0, 10,
            "a handover stops the device's transfers for this long; they then go on at the new site, s"),
    KEY_NUM(sites_config, handover.step_s, "step_s", "0.1", 1e-6, 100,
            "measurement period of the A3 rule, s (rounded to whole fading blocks)"),
    KEY_STR(sites_config, handover.dialogue_kv, "dialogue_kv", "\"drop\"", handover_kv_names,
            "a dialogue's edge KV when its device is served by another site: drop (recompute at the new site), "
            "stay (later turns relayed to the old site over the backhaul), migrate (KV sent over the backhaul)"),
    KEY_NUM(sites_config, handover.backhaul_latency_s, "backhaul_latency_s", "0.005", 0, 10,
            "one-way latency of the backhaul between two sites' edge servers, s"),
    KEY_NUM(sites_config, handover.backhaul_bps, "backhaul_bps", "1e9", 1, 1e15,
            "bandwidth of the backhaul between two sites, bit/s"),
    KEY_TABLE_END,
};

const char *const handover_kv_names[] = {"drop", "stay", "migrate", NULL};

handover_kv handover_kv_find(const char *name)
{
    for (int i = 0; handover_kv_names[i]; i++)
        if (strcmp(name, handover_kv_names[i]) == 0)
            return (handover_kv)i;
    return HANDOVER_KV_DROP;
}

/* A store-and-forward pipe without contention: first bit after the
 * latency, the rest at the bandwidth (docs/CHANNEL.md). */
double sites_backhaul_s(const sites_config *sites, double bytes)
{
    return sites->handover.backhaul_latency_s + 8.0 * bytes / sites->handover.backhaul_bps;
}

void sites_default(sites_config *sites)
{
    memset(sites, 0, sizeof *sites);
    keys_defaults(site_layout_keys, sites);
    keys_defaults(handover_keys, sites);
    sites->n = 1;
}

/* Hexagonal rings in axial coordinates (q, r): ring k starts k steps in
 * direction 4 and walks k steps along each of the six directions; a site
 * sits at x = isd (q + r / 2), y = isd (sqrt(3) / 2) r, so neighbours are
 * isd apart. */
static void hex_layout(sites_config *s)
{
    static const int dq[6] = {1, 1, 0, -1, -1, 0}, dr[6] = {0, -1, -1, 0, 1, 1};
    int n = s->layout.hex_count, i = 0;
    double isd = s->layout.isd_m;
    memset(s->site, 0, sizeof s->site);
    s->site[i++].servers = s->layout.servers;
    for (int k = 1; i < n; k++) {
        int q = dq[4] * k, r = dr[4] * k;
        for (int side = 0; side < 6 && i < n; side++)
            for (int j = 0; j < k && i < n; j++) {
                s->site[i].x_m = isd * (q + r / 2.0);
                s->site[i].y_m = isd * (sqrt(3.0) / 2.0) * r;
                s->site[i].servers = s->layout.servers;
                i++;
                q += dq[side];
                r += dr[side];
            }
    }
    s->n = n;
}

int sites_resolve(sites_config *s, char *err, size_t errlen)
{
    if (s->layout.hex_count > 0) {
        /* `sites` may be the default or this very layout (a resolved
         * scenario read back). */
        sites_config grid = *s;
        hex_layout(&grid);
        int given = s->n != 1 || s->site[0].x_m != 0 || s->site[0].y_m != 0 || s->site[0].servers != 0;
        if (given && (s->n != grid.n || memcmp(s->site, grid.site, (size_t)grid.n * sizeof grid.site[0]) != 0))
            return keys_errorf(err, errlen, "site_layout.hex_count: give either `sites` or site_layout.hex_count");
        *s = grid;
    }
    if (s->n < 1)
        return keys_errorf(err, errlen, "sites: expected at least one site, found an empty list");
    for (int i = 0; i < s->n; i++)
        for (int j = 0; j < i; j++)
            if (s->site[i].x_m == s->site[j].x_m && s->site[i].y_m == s->site[j].y_m)
                return keys_errorf(err, errlen, "sites.%d: at the position of sites.%d (%g, %g)", i, j,
                                   s->site[i].x_m, s->site[i].y_m);
    return 0;
}
