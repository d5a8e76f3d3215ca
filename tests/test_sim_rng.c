/* Random streams: reproducible, distinct per purpose/entity/replication. */
#include <gsl/gsl_statistics_double.h>

#include "sim/base/rng.h"
#include "check.h"

int main(void)
{
    gsl_rng *a = rng_stream_create(7, 0, RNG_FADING_UL, 3);
    gsl_rng *b = rng_stream_create(7, 0, RNG_FADING_UL, 3);
    gsl_rng *c = rng_stream_create(7, 0, RNG_FADING_DL, 3);
    gsl_rng *d = rng_stream_create(7, 1, RNG_FADING_UL, 3);
    gsl_rng *e = rng_stream_create(7, 0, RNG_FADING_UL, 4);
    int same = 1, diff_c = 0, diff_d = 0, diff_e = 0;
    for (int i = 0; i < 100; i++) {
        unsigned long x = gsl_rng_get(a);
        same &= x == gsl_rng_get(b);
        diff_c += x != gsl_rng_get(c);
        diff_d += x != gsl_rng_get(d);
        diff_e += x != gsl_rng_get(e);
    }
    CHECK(same);
    CHECK(diff_c > 95 && diff_d > 95 && diff_e > 95);
    rng_stream_reset(b, 7, 0, RNG_FADING_UL, 3);
    rng_stream_reset(a, 7, 0, RNG_FADING_UL, 3);
    CHECK(gsl_rng_get(a) == gsl_rng_get(b));

    /* Hash uniforms: a pure function, in [0,1), mean 1/2 and variance 1/12. */
    static double u[100000];
    for (int i = 0; i < 100000; i++) {
        u[i] = rng_hash_uniform(1, 0, RNG_POLICY, 0, (uint64_t)i);
        CHECK(u[i] >= 0 && u[i] < 1);
    }
    CHECK_NEAR(rng_hash_uniform(1, 0, RNG_POLICY, 0, 5), u[5], 0);
    CHECK(rng_hash_uniform(2, 0, RNG_POLICY, 0, 5) != u[5]);
    CHECK_NEAR(rng_key_uniform(rng_stream_key(1, 0, RNG_POLICY, 0), 5), u[5], 0);
    CHECK_NEAR(gsl_stats_mean(u, 1, 100000), 0.5, 4 * 0.2887 / sqrt(100000));
    CHECK_NEAR(gsl_stats_variance(u, 1, 100000), 1.0 / 12, 0.002);
    CHECK(rng_stream_key(1, 0, RNG_ARRIVALS, 0) != rng_stream_key(1, 0, RNG_THINK, 0));
    gsl_rng_free(a);
    gsl_rng_free(b);
    gsl_rng_free(c);
    gsl_rng_free(d);
    gsl_rng_free(e);
    return check_done();
}
