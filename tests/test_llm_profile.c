/* test_llm_profile.c -- profile formulas, roofline, presets, configuration keys. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/llm/llm.h"
#include "check.h"

/* Parse `json` into models.<which> and resolve; returns the resolve code and
 * leaves the message in err (key-parse errors return -2). */
static int resolve(const key_spec *keys, const char *json, llm_profile *out, char *err, size_t errlen)
{
    llm_config cfg;
    key_error kerr;
    if (keys_defaults(keys, &cfg) != 0)
        return -3;
    cJSON *obj = cJSON_Parse(json);
    if (!obj)
        return -3;
    int rc = keys_parse(keys, &cfg, obj, "models.large", &kerr);
    cJSON_Delete(obj);
    if (rc != 0) {
        snprintf(err, errlen, "%s", kerr.msg);
        return -2;
    }
    return llm_profile_resolve(&cfg, "models.large", out, err, errlen);
}

/* The default "models" map: small on the device, large on the edge. */
typedef struct models_holder {
    llm_config models[LLM_MAX_MODELS];
    int n_models;
} models_holder;
static const key_spec models_holder_keys[] = {
    KEY_MAPV(models_holder, models, n_models, "models", llm_models_default, llm_model_keys, "models"),
    KEY_TABLE_END,
};

/* Resolve model `name` of the default map overlaid with `json` (the
 * "models" object). */
static int resolve_model(const char *json, const char *name, llm_profile *out, char *err, size_t errlen)
{
    models_holder h;
    key_error kerr;
    if (keys_defaults(models_holder_keys, &h) != 0)
        return -3;
    cJSON *obj = cJSON_Parse(json);
    int rc = obj ? keys_parse(models_holder_keys, &h, obj, "", &kerr) : -3;
    cJSON_Delete(obj);
    if (rc != 0) {
        snprintf(err, errlen, "%s", rc == -3 ? "bad JSON" : kerr.msg);
        return -2;
    }
    for (int m = 0; m < h.n_models; m++)
        if (strcmp(h.models[m].name, name) == 0)
            return llm_profile_resolve(&h.models[m], name, out, err, errlen);
    snprintf(err, errlen, "no model %s", name);
    return -4;
}

static void test_models_map(void)
{
    llm_profile pr;
    char err[512];
    models_holder h;
    key_error kerr;
    CHECK_INT(keys_defaults(models_holder_keys, &h), 0);
    CHECK_INT(h.n_models, 2);
    CHECK(strcmp(h.models[0].name, "small") == 0 && strcmp(h.models[0].tier, "device") == 0);
    CHECK(strcmp(h.models[1].name, "large") == 0 && strcmp(h.models[1].tier, "edge") == 0);
    /* Overlay keeps the rest of the default; a new name is appended with the
     * edge defaults; null removes a model. */
    CHECK_INT(resolve_model("{\"models\": {\"small\": {\"power_w\": 7}}}", "small", &pr, err, sizeof err), 0);
    CHECK(strcmp(pr.name, "qwen2.5-1.5b-int4-phone") == 0);
    CHECK_NEAR(pr.power_w, 7, 0);
    cJSON *obj = cJSON_Parse("{\"models\": {\"large\": null, \"gpt4\": {\"tier\": \"cloud\", "
                             "\"price_in_per_mtok\": 10, \"wan\": {\"rtt_s\": 0.08}}}}");
    CHECK_INT(keys_parse(models_holder_keys, &h, obj, "", &kerr), 0);
    cJSON_Delete(obj);
    CHECK_INT(h.n_models, 2);
    CHECK(strcmp(h.models[1].name, "gpt4") == 0 && strcmp(h.models[1].tier, "cloud") == 0);
    CHECK_NEAR(h.models[1].wan.rtt_s, 0.08, 0);
    CHECK_NEAR(h.models[1].wan.bandwidth_bps, 1e9, 0);
    CHECK_NEAR(h.models[1].price_in_per_mtok, 10, 0);
    CHECK_NEAR(llm_query_cost(&h.models[1], 1000, 0), 0.01, 1e-15);
    CHECK_NEAR(llm_wan_leg_s(&h.models[1].wan, 1000), 0.04 + 8000 / 1e9, 1e-15);
    /* Bad names and tiers name their key. */
    CHECK_INT(resolve_model("{\"models\": {\"a b\": {}}}", "a b", &pr, err, sizeof err), -2);
    CHECK(strstr(err, "models.a b: expected a name") != NULL);
    CHECK_INT(resolve_model("{\"models\": {\"x\": {\"tier\": \"moon\"}}}", "x", &pr, err, sizeof err), -2);
    CHECK(strstr(err, "models.x.tier: expected one of") != NULL);
    CHECK_INT(resolve_model("{\"models\": {\"x\": 3}}", "x", &pr, err, sizeof err), -2);
    CHECK(strstr(err, "models.x: expected an object (or null") != NULL);
}

static void test_formulas(void)
{
    llm_profile p = {0};
    p.p[0] = 0.01, p.p[1] = 2e-3, p.p[2] = 1e-6;
    p.d[0] = 0.02, p.d[1] = 3e-3, p.d[2] = 1e-5;
    /* T_pre(100, 50) = 0.01 + 0.2 + 1e-6*100*(50 + 50) = 0.22 */
    CHECK_NEAR(llm_prefill_s(&p, 100, 50), 0.22, 1e-15);
    /* T_step(4, 1000) = 0.02 + 0.012 + 0.01 */
    CHECK_NEAR(llm_decode_step_s(&p, 4, 1000), 0.042, 1e-15);
    /* batch 1, n = 10, c = 0, o = 3: T_pre + T_step(1, 11) + T_step(1, 12) */
    double want = (0.01 + 0.02 + 1e-6 * 10 * 5) + (0.023 + 11e-5) + (0.023 + 12e-5);
    CHECK_NEAR(llm_batch1_service_s(&p, 10, 0, 3), want, 1e-15);
    CHECK_NEAR(llm_batch1_service_s(&p, 10, 0, 1), llm_prefill_s(&p, 10, 0), 0);
    CHECK_NEAR(llm_device_energy_j(2.0, 5, 0.5, 2, 0.25, 1), 11.25, 1e-15);
}

static void test_roofline_numbers(void)
{
    /* MODEL.md section 3: Qwen2.5-7B fp16 KV = 57,344 B/token (28 layers, 4
     * KV heads, head_dim 128); Qwen2.5-1.5B = 28,672 B (28 layers, 2 heads). */
    double p[3], d[3], kv;
    llm_roofline_config q7 = {7.62e9, 28, 3584, 4, 128, 16, 2, 989.4e12, 3.35e12, 0.5, 0.8};
    llm_roofline_coefficients(&q7, p, d, &kv);
    CHECK_NEAR(kv, 57344, 0);
    llm_roofline_config q15 = {1.54e9, 28, 1536, 2, 128, 16, 2, 989.4e12, 3.35e12, 0.5, 0.8};
    llm_roofline_coefficients(&q15, p, d, &kv);
    CHECK_NEAR(kv, 28672, 0);
    /* Llama-3.1-8B on one H100: d0 = 16.06e9 B / (0.8*3.35e12 B/s) = 5.9925 ms
     * (measured TPOT 6.48 ms), p1 = d1 = 2*8.03e9/(0.5*989.4e12) = 32.46 us,
     * p2 = 4*32*4096/(0.5*989.4e12), d2 = 131072/(0.8*3.35e12). */
    llm_roofline_config l8 = {8.03e9, 32, 4096, 8, 128, 16, 2, 989.4e12, 3.35e12, 0.5, 0.8};
    llm_roofline_coefficients(&l8, p, d, &kv);
    CHECK_NEAR(d[0], 5.99253731343e-3, 1e-12);
    CHECK_NEAR(p[1], 3.246411966848595e-05, 1e-15);
    CHECK_NEAR(d[1], p[1], 0);
    CHECK_NEAR(p[2], 4.0 * 32 * 4096 / (0.5 * 989.4e12), 1e-20);
    CHECK_NEAR(d[2], 131072 / (0.8 * 3.35e12), 1e-20);
    CHECK_NEAR(kv, 131072, 0);
    CHECK_NEAR(p[0], 0, 0);
}

static void test_roofline_equals_coefficients(void)
{
    char err[512] = "";
    llm_profile a, b;
    const char *roof = "{\"preset\": \"none\", \"max_batch\": 8, \"roofline\": {\"params\": 8.03e9, \"layers\": 32,"
                       " \"d_model\": 4096, \"kv_heads\": 8, \"head_dim\": 128, \"peak_flops\": 989.4e12,"
                       " \"mem_bw_bytes_per_s\": 3.35e12}}";
    CHECK_INT(resolve(llm_model_keys, roof, &a, err, sizeof err), 0);
    /* The same numbers written as coefficients from the MODEL.md formulas. */
    char coef[512];
    double F = 0.5 * 989.4e12, BW = 0.8 * 3.35e12;
    snprintf(coef, sizeof coef,
             "{\"preset\": \"none\", \"max_batch\": 8, \"kv_bytes_per_token\": 131072,"
             " \"prefill_s\": [0, %.17g, %.17g], \"decode_step_s\": [%.17g, %.17g, %.17g]}",
             2 * 8.03e9 / F, 4.0 * 32 * 4096 / F, 8.03e9 * 2 / BW, 2 * 8.03e9 / F, 131072 / BW);
    CHECK_INT(resolve(llm_model_keys, coef, &b, err, sizeof err), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_NEAR(a.p[i], b.p[i], 1e-18);
        CHECK_NEAR(a.d[i], b.d[i], 1e-18);
    }
    CHECK_NEAR(a.kv_bytes_per_token, b.kv_bytes_per_token, 0);
    CHECK_INT(a.max_batch, 8);
    CHECK(isinf(a.kv_capacity_bytes)); /* no preset, no capacity: unlimited */
}

static void test_presets(void)
{
    char err[512] = "";
    llm_profile pr;
    int n = 0, small = 0, large = 0;
    for (const llm_preset *ps = llm_presets; ps->name; ps++, n++) {
        llm_preset_profile(ps, &pr);
        CHECK(ps->source && strlen(ps->source) > 20);
        CHECK(llm_prefill_s(&pr, 128, 0) > 0 && llm_decode_step_s(&pr, 1, 128) > 0);
        if (ps->api) /* a TTFT floor and an output rate, nothing else */
            CHECK(pr.p[0] > 0 && pr.p[1] == 0 && pr.p[2] == 0 && pr.d[0] > 0 && pr.d[1] == 0 && pr.d[2] == 0 &&
                  pr.kv_bytes_per_token == 0 && isinf(pr.kv_capacity_bytes));
        else
            CHECK(pr.p[0] >= 0 && pr.p[1] > 0 && pr.p[2] >= 0 && pr.d[0] > 0 && pr.d[1] > 0 && pr.d[2] > 0);
        if (ps->params <= 3.5e9 && pr.max_batch == 1)
            small++;
        if (ps->params >= 7e9 && pr.max_batch > 1)
            large++;
    }
    CHECK(small >= 3 && large >= 3);
    CHECK(llm_preset_find("no-such-model") == NULL);

    /* Defaults: small = Qwen2.5-1.5B 4-bit phone; TTFT 95 ms at 128 tokens
     * and 23.5 tok/s decode are reproduced (MODEL.md: ~20-30 tok/s). */
    CHECK_INT(resolve_model("{}", "small", &pr, err, sizeof err), 0);
    CHECK(strcmp(pr.name, "qwen2.5-1.5b-int4-phone") == 0);
    CHECK_NEAR(llm_prefill_s(&pr, 128, 0), 0.095, 1e-12);
    CHECK_NEAR(llm_decode_step_s(&pr, 1, 0), 1 / 23.5, 1e-12);
    CHECK_INT(pr.max_batch, 1);
    CHECK_INT(pr.kv_retain_dialogues, 1);
    CHECK_NEAR(pr.kv_bytes_per_token, 28672, 0);
    CHECK_NEAR(pr.power_w, 5, 0);
    /* Two-point TTFT fit: Llama-3.2-1B passes through both measurements. */
    llm_preset_profile(llm_preset_find("llama3.2-1b-int4-phone"), &pr);
    CHECK_NEAR(llm_prefill_s(&pr, 128, 0), 0.037, 1e-12);
    CHECK_NEAR(llm_prefill_s(&pr, 4096, 0), 1.19, 1e-12);
    /* Large default: 8B fp16 H100; TPOT 6.48 ms at 1 and 10.9 ms at 16. */
    CHECK_INT(resolve(llm_model_keys, "{}", &pr, err, sizeof err), 0);
    CHECK(strcmp(pr.name, "llama3.1-8b-fp16-h100") == 0);
    CHECK_NEAR(llm_decode_step_s(&pr, 1, 0), 6.48e-3, 1e-12);
    CHECK_NEAR(llm_decode_step_s(&pr, 16, 0), 10.9e-3, 1e-12);
    CHECK_INT(pr.max_batch, 16);
    CHECK_NEAR(pr.kv_capacity_bytes, 0.9 * 80e9 - 2 * 8.03e9, 1);
    CHECK_INT(pr.kv_retain_dialogues, 0);
    /* A100: the measured card is the 40 GB one; max batch at the knee (8). */
    llm_preset_profile(llm_preset_find("llama3.1-8b-bf16-a100"), &pr);
    CHECK_NEAR(pr.kv_capacity_bytes, 0.9 * 40e9 - 2 * 8.03e9, 1);
    CHECK_INT(pr.max_batch, 8);
    CHECK_NEAR(llm_decode_step_s(&pr, 8, 0), 8 / (6.6 * 75), 1e-12);
    /* 70B TP4 roofline: TPOT 17.6 ms, inside REFERENCE 5c's 15-25 ms. */
    llm_preset_profile(llm_preset_find("llama3.1-70b-fp16-4xh100"), &pr);
    CHECK(llm_decode_step_s(&pr, 1, 0) > 0.015 && llm_decode_step_s(&pr, 1, 0) < 0.025);

    /* Issue 18 tier presets.  Llama-2-7B-class phone: the Qwen2.5-7B w4a16
     * figures on the same phone (TTFT 136 ms at 128 tokens, 15.4 tok/s at
     * context 0), Llama-2-7B's MHA KV (2 x 32 x 32 x 128 x 2 B). */
    llm_preset_profile(llm_preset_find("llama2-7b-int4-phone"), &pr);
    CHECK_NEAR(llm_prefill_s(&pr, 128, 0), 0.136, 1e-12);
    CHECK_NEAR(llm_decode_step_s(&pr, 1, 0), 1 / 15.4, 1e-12);
    CHECK_NEAR(pr.kv_bytes_per_token, 524288, 0);
    CHECK_INT(pr.max_batch, 1);
    /* Mixtral-8x7B: FLOPs and batch-1 weight reads of the 12.9B active
     * parameters, memory of all 46.7B: d0 = 25.8 GB / (0.7 x 6.7 TB/s),
     * KV = 0.9 x 160 GB - 93.4 GB. */
    llm_preset_profile(llm_preset_find("mixtral-8x7b-fp16-2xh100"), &pr);
    CHECK_NEAR(pr.d[0], 12.9e9 * 2 / (0.7 * 2 * 3.35e12), 1e-15);
    CHECK_NEAR(pr.p[1], 2 * 12.9e9 / (0.5 * 2 * 989.4e12), 1e-18);
    CHECK_NEAR(pr.kv_capacity_bytes, 0.9 * 160e9 - 2 * 46.7e9, 1);
    /* GPT-4-class API: TTFT 1.0 s whatever the prompt, then 18.0 ms a token
     * at any batch and context. */
    llm_preset_profile(llm_preset_find("gpt-4-turbo-api"), &pr);
    CHECK_NEAR(llm_prefill_s(&pr, 10, 0), 1.0, 1e-12);
    CHECK_NEAR(llm_prefill_s(&pr, 4000, 2000), 1.0, 1e-12);
    CHECK_NEAR(llm_decode_step_s(&pr, 500, 1e6), 9.0 / 499, 1e-15);

    /* The listing names every preset with a source. */
    char buf[16384];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    CHECK(f != NULL);
    if (f) {
        llm_presets_print(f);
        fclose(f);
        for (const llm_preset *ps = llm_presets; ps->name; ps++)
            CHECK(strstr(buf, ps->name) != NULL);
        CHECK(strstr(buf, "source: quic/ai-hub-models") != NULL);
    }
}

/* Each preset's headline figures, recomputed from its fields through its
 * profile, agree with the figures it cites (preset.cited) within the stated
 * tolerance: batch-1 decode tokens/s at the cited context, prefill tokens/s
 * at the cited prompt length (512 tokens on servers; 128 on phones, where that
 * is what was measured), and KV capacity.  Then consistency across presets:
 * the hardware label names the memory the KV capacity uses; a vLLM preset
 * takes no figure from llama.cpp; a derived (roofline) preset achieves no more
 * FLOP/s or bytes/s per GPU than the measured preset on the same GPU. */
static void test_preset_cited(void)
{
    int n = 0;
    for (const llm_preset *ps = llm_presets; ps->name; ps++, n++) {
        llm_profile pr;
        llm_preset_profile(ps, &pr);
        const llm_preset_cited *c = &ps->cited;
        CHECK(c->tolerance > 0 && c->tolerance <= 0.25);
        double dec = 1 / llm_decode_step_s(&pr, 1, c->decode_context_tokens);
        double pre = c->prefill_tokens / llm_prefill_s(&pr, c->prefill_tokens, 0);
        double tol = c->tolerance;
        if (fabs(dec / c->decode_tokens_per_s - 1) > tol || fabs(pre / c->prefill_tokens_per_s - 1) > tol ||
            (!ps->api && fabs(pr.kv_capacity_bytes / c->kv_capacity_bytes - 1) > 0.001))
            fprintf(stderr, "%s: decode %.1f vs %.1f, prefill %.0f vs %.0f, KV %.4g vs %.4g\n", ps->name, dec,
                    c->decode_tokens_per_s, pre, c->prefill_tokens_per_s, pr.kv_capacity_bytes,
                    c->kv_capacity_bytes);
        CHECK_NEAR(dec / c->decode_tokens_per_s, 1, tol);
        CHECK_NEAR(pre / c->prefill_tokens_per_s, 1, tol);
        if (ps->api)
            CHECK(isinf(pr.kv_capacity_bytes) && isinf(c->kv_capacity_bytes));
        else
            CHECK_NEAR(pr.kv_capacity_bytes / c->kv_capacity_bytes, 1, 0.001); /* cited to 4 digits */
        /* the hardware label names the memory the capacity was computed from */
        char mem[32];
        if (ps->kv_budget_bytes <= 0 && !ps->api) {
            snprintf(mem, sizeof mem, "%.0fGB", ps->memory_bytes / 1e9);
            CHECK(strstr(ps->hardware, mem) != NULL);
            snprintf(mem, sizeof mem, "%dx ", ps->gpus);
            CHECK(strncmp(ps->hardware, mem, strlen(mem)) == 0);
            CHECK(pr.kv_capacity_bytes > 0);
        }
        CHECK(ps->runtime && ps->runtime[0]);
        if (strstr(ps->runtime, "vLLM")) {
            CHECK(strstr(ps->source, "llama.cpp") == NULL && strstr(ps->source, "XiongjieDai") == NULL);
        }
        CHECK(ps->derived == (strstr(ps->runtime, "roofline") != NULL));
    }
    CHECK(n >= 7);
    /* Derived presets: per-GPU achieved prefill FLOP/s and decode bytes/s do
     * not exceed those of a measured preset on the same GPU (the 14B roofline
     * once prefilled 4.5x faster than the measured 8B). */
    for (const llm_preset *d = llm_presets; d->name; d++) {
        if (!d->derived)
            continue;
        llm_profile pd;
        llm_preset_profile(d, &pd);
        double n_d = d->active_params > 0 ? d->active_params : d->params; /* MoE: what a token runs through */
        double flops_d = 2 * n_d * (512 / llm_prefill_s(&pd, 512, 0)) / d->gpus;
        double bw_d = n_d * d->weight_bits / 8 / llm_decode_step_s(&pd, 1, 0) / d->gpus;
        int compared = 0;
        for (const llm_preset *m = llm_presets; m->name; m++) {
            if (m->derived || m->api || m->kv_budget_bytes > 0 || m->memory_bytes != d->memory_bytes ||
                strncmp(strchr(m->hardware, ' ') + 1, strchr(d->hardware, ' ') + 1, 4) != 0)
                continue;
            llm_profile pm;
            llm_preset_profile(m, &pm);
            double flops_m = 2 * m->params * (512 / llm_prefill_s(&pm, 512, 0)) / m->gpus;
            double bw_m = m->params * m->weight_bits / 8 / llm_decode_step_s(&pm, 1, 0) / m->gpus;
            CHECK(flops_d <= 1.05 * flops_m);
            CHECK(bw_d <= 1.05 * bw_m);
            compared++;
        }
        CHECK(compared >= 1);
    }
}

static void test_precedence(void)
{
    char err[512] = "";
    llm_profile pr, base;
    CHECK_INT(resolve(llm_model_keys, "{}", &base, err, sizeof err), 0);
    /* explicit decode over the preset; prefill stays the preset's */
    CHECK_INT(resolve(llm_model_keys, "{\"decode_step_s\": [0.01, 0.001, 0]}", &pr, err, sizeof err), 0);
    CHECK_NEAR(pr.d[0], 0.01, 0);
    CHECK_NEAR(pr.p[1], base.p[1], 0);
    CHECK_INT(pr.max_batch, 16);
    /* table over the preset: interpolation in batch, + d2 * (C - b*c_ref) */
    CHECK_INT(resolve(llm_model_keys,
                      "{\"decode_step_table_s\": [1, 0.0065, 16, 0.0109, 64, 0.0469], "
                      "\"decode_table_context_tokens\": 100, \"prefill_tokens_per_s\": 10000, "
                      "\"prefill_floor_s\": 0.01}",
                      &pr, err, sizeof err),
              0);
    CHECK_INT(pr.n_table, 3);
    CHECK_NEAR(llm_decode_step_s(&pr, 16, 1600), 0.0109, 1e-15);
    CHECK_NEAR(llm_decode_step_s(&pr, 40, 4000), 0.0109 + (0.0469 - 0.0109) * 24 / 48, 1e-15);
    CHECK_NEAR(llm_decode_step_s(&pr, 1, 1100), 0.0065 + base.d[2] * 1000, 1e-15);
    CHECK_NEAR(llm_prefill_s(&pr, 1000, 0), 0.01 + 0.1 + base.p[2] * 1000 * 500, 1e-12);
    /* roofline over table; explicit prefill over roofline */
    CHECK_INT(resolve(llm_model_keys,
                      "{\"decode_step_table_s\": [1, 0.0065], \"prefill_s\": [0.1, 0.001, 0],"
                      " \"roofline\": {\"params\": 8.03e9, \"layers\": 32, \"d_model\": 4096, \"kv_heads\": 8,"
                      " \"head_dim\": 128, \"peak_flops\": 989.4e12, \"mem_bw_bytes_per_s\": 3.35e12}}",
                      &pr, err, sizeof err),
              0);
    CHECK_INT(pr.n_table, 0);
    CHECK_NEAR(pr.d[0], 8.03e9 * 2 / (0.8 * 3.35e12), 1e-15);
    CHECK_NEAR(pr.p[0], 0.1, 0);
    /* explicit scalars over the preset */
    CHECK_INT(resolve(llm_model_keys, "{\"max_batch\": 4, \"kv_capacity_bytes\": 1e9, \"power_w\": 300}", &pr, err,
                      sizeof err),
              0);
    CHECK_INT(pr.max_batch, 4);
    CHECK_NEAR(pr.kv_capacity_bytes, 1e9, 0);
    CHECK_NEAR(pr.power_w, 300, 0);
}

static void expect_error(const key_spec *keys, const char *json, int code, const char *needle)
{
    char err[512] = "";
    llm_profile pr;
    int rc = resolve(keys, json, &pr, err, sizeof err);
    CHECK_INT(rc, code);
    if (!strstr(err, needle)) {
        fprintf(stderr, "error message \"%s\" lacks \"%s\"\n", err, needle);
        CHECK(0);
    }
}

static void test_errors(void)
{
    expect_error(llm_model_keys, "{\"preset\": \"gpt-5\"}", -1, "models.large.preset: expected one of none,");
    expect_error(llm_model_keys, "{\"preset\": \"gpt-5\"}", -1, "llama3.1-8b-fp16-h100");
    expect_error(llm_model_keys, "{\"prefill_s\": [1, 2]}", -1, "models.large.prefill_s: expected 3 numbers");
    expect_error(llm_model_keys, "{\"decode_step_s\": [1]}", -1, "models.large.decode_step_s: expected 3 numbers");
    expect_error(llm_model_keys, "{\"preset\": \"none\"}", -1, "models.large.prefill_s: no prefill profile");
    expect_error(llm_model_keys, "{\"preset\": \"none\", \"prefill_s\": [0, 1e-3, 0]}", -1,
                 "models.large.decode_step_s: no decode profile");
    expect_error(llm_model_keys, "{\"preset\": \"none\", \"prefill_s\": [0,1e-3,0], \"decode_step_s\": [0.01,0,0]}",
                 -1, "models.large.max_batch");
    expect_error(llm_model_keys, "{\"roofline\": {\"params\": 8e9, \"layers\": 32}}", -1,
                 "models.large.roofline.d_model: required");
    expect_error(llm_model_keys, "{\"decode_step_table_s\": [1, 0.01, 2]}", -1,
                 "models.large.decode_step_table_s: expected pairs");
    expect_error(llm_model_keys, "{\"decode_step_table_s\": [2, 0.01, 1, 0.02]}", -1,
                 "models.large.decode_step_table_s[2]: expected a batch size");
    expect_error(llm_model_keys, "{\"decode_step_table_s\": [1, 0]}", -1, "decode_step_table_s[1]: expected seconds");
    expect_error(llm_model_keys, "{\"prefill_s\": [0, 0, 0]}", -1, "a prefill of one token must take > 0 s");
    expect_error(llm_model_keys, "{\"max_bach\": 3}", -2, "models.large.max_bach: unknown key");
    expect_error(llm_model_keys, "{\"prefill_s\": [0, -1, 0]}", -2, "models.large.prefill_s[1]");
    expect_error(llm_model_keys, "{\"roofline\": {\"eta_memory\": 2}}", -2, "models.large.roofline.eta_memory");
}

int main(void)
{
    test_models_map();
    test_formulas();
    test_roofline_numbers();
    test_roofline_equals_coefficients();
    test_presets();
    test_preset_cited();
    test_precedence();
    test_errors();
    return check_done();
}
