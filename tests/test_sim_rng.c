/* Random streams: reproducible, distinct per purpose/entity/replication. */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <string.h>

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
    /* The counter-based gsl_rng: a pure function of (key, index), word 0
     * the word of rng_key_uniform, and a standard normal by GSL's ziggurat
     * on it (mean, variance, a tail share of 10^5 indices). */
    {
        uint64_t key = rng_stream_key(7, 0, RNG_FADING_UL, 3);
        rng_counter st1, st2;
        gsl_rng r1, r2;
        rng_counter_start(&r1, &st1, key, 12345);
        CHECK(gsl_rng_uniform(&r1) == rng_key_uniform(key, 12345));
        rng_counter_start(&r1, &st1, key, 12345);
        rng_counter_start(&r2, &st2, key, 12345);
        for (int i = 0; i < 10; i++)
            CHECK(gsl_rng_get(&r1) == gsl_rng_get(&r2));
        rng_counter_start(&r2, &st2, key, 12346);
        CHECK(gsl_rng_get(&r1) != gsl_rng_get(&r2));
        CHECK(gsl_rng_max(&r1) == 0xffffffffUL && gsl_rng_min(&r1) == 0);
        double sum = 0, sum2 = 0;
        int n = 100000, beyond2 = 0;
        for (int k = 0; k < n; k++) {
            rng_counter_start(&r1, &st1, key, (uint64_t)k);
            double x = gsl_ran_gaussian_ziggurat(&r1, 1.0);
            sum += x;
            sum2 += x * x;
            beyond2 += fabs(x) > 2;
        }
        CHECK_NEAR(sum / n, 0, 4.0 / sqrt(n));
        CHECK_NEAR(sum2 / n, 1, 4.0 * sqrt(2.0 / n));
        CHECK_NEAR((double)beyond2 / n, 0.0455003, 4.0 * sqrt(0.0455 * 0.9545 / n)); /* 2 (1 - Phi(2)) */
    }
    /* GSL's ziggurat inline: the tables read off GSL pass their check, and
     * pairs agree to the bit with two gsl_ran_gaussian_ziggurat calls on the
     * counter stream, over enough indices that each half takes GSL's
     * rejection path thousands of times. */
    {
        uint64_t key = rng_stream_key(7, 0, RNG_FADING_DL, 9);
        rng_ziggurat z;
        rng_ziggurat_init(&z);
        CHECK(z.exact);
        CHECK(z.k[0] == 0 && z.k[1] > 0 && z.w[1] > 0);
        int bitwise = 1, slow_first = 0, slow_second = 0;
        for (uint64_t k = 0; k < 200000; k++) {
            rng_counter st;
            gsl_rng r;
            rng_counter_start(&r, &st, key, k);
            double ga = gsl_ran_gaussian_ziggurat(&r, M_SQRT1_2), gb = gsl_ran_gaussian_ziggurat(&r, M_SQRT1_2);
            double fa, fb;
            rng_counter_gaussian_pair(&z, key, k, M_SQRT1_2, &fa, &fb);
            bitwise &= memcmp(&ga, &fa, sizeof ga) == 0 && memcmp(&gb, &fb, sizeof gb) == 0;
            uint64_t word = rng_mix64(key ^ rng_mix64(k));
            slow_first += (word >> 40) >= z.k[(word >> 32) & 0x7f];
            slow_second += ((word >> 8) & 0xffffff) >= z.k[word & 0x7f];
        }
        CHECK(bitwise);
        CHECK(slow_first > 1000 && slow_second > 1000);
    }
    return check_done();
}
