/* llm_config.c -- the elements of the "models" scenario object (tier, WAN,
 * price, profile keys) and
 * their resolution into a profile (docs/PROFILES.md "Configuration"). */
#include "models/llm/llm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_SMALL "qwen2.5-1.5b-int4-phone" /* MODEL.md section 3 "Defaults": 1.5B 4-bit phone */
#define DEFAULT_LARGE "llama3.1-8b-fp16-h100"   /* MODEL.md section 3 "Defaults": 8B fp16 one GPU */

static const key_spec roofline_keys[] = {
    KEY_NUM(llm_roofline_config, params, "params", NULL, 1, KEY_INF, "parameters N; the roofline is used iff given"),
    KEY_NUM(llm_roofline_config, layers, "layers", NULL, 1, 1e6, "transformer layers"),
    KEY_NUM(llm_roofline_config, d_model, "d_model", NULL, 1, 1e9, "hidden size"),
    KEY_NUM(llm_roofline_config, kv_heads, "kv_heads", NULL, 1, 1e6, "key/value heads"),
    KEY_NUM(llm_roofline_config, head_dim, "head_dim", NULL, 1, 1e6, "dimension of one head"),
    KEY_NUM(llm_roofline_config, weight_bits, "weight_bits", "16", 1, 64, "bits per weight"),
    KEY_NUM(llm_roofline_config, kv_bytes, "kv_bytes", "2", 0.125, 8, "bytes per KV-cache element"),
    KEY_NUM(llm_roofline_config, peak_flops, "peak_flops", NULL, 1, KEY_INF, "dense peak FLOP/s of all GPUs used"),
    KEY_NUM(llm_roofline_config, mem_bw_bytes_per_s, "mem_bw_bytes_per_s", NULL, 1, KEY_INF,
            "memory bandwidth of all GPUs used, B/s"),
    KEY_NUM(llm_roofline_config, eta_compute, "eta_compute", "0.5", 1e-6, 1, "achieved fraction of peak FLOP/s"),
    KEY_NUM(llm_roofline_config, eta_memory, "eta_memory", "0.8", 1e-6, 1, "achieved fraction of bandwidth"),
    KEY_TABLE_END,
};

/* The keys common to both models; PRESET, BATCH and RETAIN are the defaults
 * that differ (device: batch 1 keeping its active dialogue; edge: the
 * preset's batch and only the capacity limiting retention). */
#define LLM_KEYS(PRESET, BATCH, RETAIN)                                                                          \
    KEY_STR(llm_config, preset, "preset", PRESET, NULL, "named profile (`edgesim profiles`), or \"none\""),       \
    KEY_NUMS(llm_config, prefill_s, n_prefill, "prefill_s", NULL, 0, KEY_INF,                                   \
             "[p0 s, p1 s/token, p2 s/token^2]: T_pre(n,c) = p0 + p1*n + p2*n*(c + n/2)"),                    \
    KEY_NUMS(llm_config, decode_step_s, n_decode, "decode_step_s", NULL, 0, KEY_INF,                            \
             "[d0 s, d1 s/sequence, d2 s/token]: T_step(b,C) = d0 + d1*b + d2*C"),                            \
    KEY_INTV(llm_config, max_batch, "max_batch", BATCH, 0, 1e6, "sequences per iteration; 0: the preset's"),     \
    KEY_NUM(llm_config, kv_capacity_bytes, "kv_capacity_bytes", NULL, 0, KEY_INF,                               \
            "KV-cache memory, B (null: the preset's)"),                                                         \
    KEY_NUM(llm_config, kv_bytes_per_token, "kv_bytes_per_token", NULL, 0, KEY_INF,                             \
            "KV bytes per token of context, B (null: preset or roofline)"),                                      \
    KEY_NUM(llm_config, power_w, "power_w", NULL, 0, 1e6, "compute power while serving, W (null: the preset's)"), \
    KEY_OBJ(llm_config, roofline, "roofline", roofline_keys, "profile from architecture and hardware"),          \
    KEY_NUMS(llm_config, decode_step_table_s, n_decode_table, "decode_step_table_s", NULL, 0, KEY_INF,          \
             "measured decode step: flat [batch1, s1, batch2, s2, ...], batch increasing"),                    \
    KEY_NUM(llm_config, decode_table_context_tokens, "decode_table_context_tokens", "0", 0, KEY_INF,            \
            "per-sequence context at which the table was measured, tokens"),                                    \
    KEY_NUM(llm_config, prefill_tokens_per_s, "prefill_tokens_per_s", NULL, 1e-9, KEY_INF,                      \
            "measured prefill rate, tokens/s (p1 = 1/rate)"),                                                   \
    KEY_NUM(llm_config, prefill_floor_s, "prefill_floor_s", "0", 0, KEY_INF,                                    \
            "TTFT floor p0 with prefill_tokens_per_s, s"),                                                      \
    KEY_INTV(llm_config, kv_retain_dialogues, "kv_retain_dialogues", RETAIN, 0, 1e9,                           \
             "idle dialogues whose KV is kept (LRU); 0: only the capacity limits"),                             \
    KEY_TABLE_END

const char *const llm_tier_names[] = {
#define LLM_TIER_NAME(id, name) name,
    LLM_TIERS(LLM_TIER_NAME)
#undef LLM_TIER_NAME
    NULL,
};

int llm_tier_find(const char *name)
{
    for (int t = 0; t < LLM_N_TIERS; t++)
        if (strcmp(llm_tier_names[t], name) == 0)
            return t;
    return -1;
}

const char *const llm_device_memory_names[] = {
#define LLM_DEVICE_MEMORY_NAME(id, name) name,
    LLM_DEVICE_MEMORY(LLM_DEVICE_MEMORY_NAME)
#undef LLM_DEVICE_MEMORY_NAME
    NULL,
};

const key_spec llm_device_keys[] = {
    KEY_STR(llm_device_config, memory, "memory", "\"all\"", llm_device_memory_names,
            "device-tier models in a device's memory: all (each serves its own queue, as if alone) or one at a "
            "time (one queue, FCFS over the device's models; a query for another model waits for the device, "
            "then pays that model's load_s)"),
    KEY_TABLE_END,
};

llm_device_memory llm_device_memory_of(const llm_device_config *cfg)
{
    for (int i = 0; i < LLM_N_DEVICE_MEMORY; i++)
        if (strcmp(llm_device_memory_names[i], cfg->memory) == 0)
            return (llm_device_memory)i;
    return LLM_DEVICE_MEMORY_ALL;
}

static const key_spec wan_keys[] = {
    KEY_NUM(llm_wan_config, rtt_s, "rtt_s", "0.05", 0, 1e6,
            "round-trip time from the edge site to the cloud, s (a continental path; sweep it)"),
    KEY_NUM(llm_wan_config, bandwidth_bps, "bandwidth_bps", "1e9", 1, KEY_INF,
            "WAN bandwidth each way, bit/s (no queueing: a leg of B bytes takes rtt_s/2 + 8*B/bandwidth_bps)"),
    KEY_TABLE_END,
};

/* The element of "models": where it runs and what it costs, then the
 * profile keys with the edge model's defaults. */
const key_spec llm_model_keys[] = {
    KEY_STR(llm_config, tier, "tier", "\"edge\"", llm_tier_names,
            "where the model runs: device (every device), edge (each site's servers), cloud (behind the WAN)"),
    KEY_OBJ(llm_config, wan, "wan", wan_keys, "the path from the edge site to a cloud model"),
    KEY_NUM(llm_config, price_in_per_mtok, "price_in_per_mtok", "0", 0, 1e9,
            "price per million input tokens (history and new input), currency units"),
    KEY_NUM(llm_config, price_out_per_mtok, "price_out_per_mtok", "0", 0, 1e9,
            "price per million output tokens, currency units"),
    KEY_INTV(llm_config, replicas, "replicas", "1", 1, 4096,
             "cloud tier: copies of the model behind the API, each with its own batch; a query goes to the one "
             "with the smallest estimate (edge copies: edge.servers)"),
    KEY_NUM(llm_config, load_s, "load_s", "0", 0, 1e6,
            "device tier with device.memory \"one\": time to load the model into memory, s, paid by a query "
            "whose model is not the one loaded"),
    LLM_KEYS("\"" DEFAULT_LARGE "\"", "0", "0"),
};

/* The default models: MODEL.md section 1 (a small model on each device, a
 * large one on the edge). */
const char llm_models_default[] = "{\"small\": {\"tier\": \"device\", \"preset\": \"" DEFAULT_SMALL
                                  "\", \"max_batch\": 1, \"kv_retain_dialogues\": 1}, \"large\": {}}";

double llm_wan_leg_s(const llm_wan_config *wan, double bytes)
{
    return wan->rtt_s / 2 + 8 * bytes / wan->bandwidth_bps;
}

double llm_query_cost(const llm_config *cfg, double input_tokens, double output_tokens)
{
    return (input_tokens * cfg->price_in_per_mtok + output_tokens * cfg->price_out_per_mtok) / 1e6;
}


static void preset_names(char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const llm_preset *ps = llm_presets; ps->name; ps++) {
        int n = snprintf(buf + used, len - used, "%s%s", ps == llm_presets ? "" : ", ", ps->name);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
}

/* Every roofline number must be given once params is. */
static int roofline_check(const llm_roofline_config *rc, const char *path, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        size_t offset;
    } required[] = {
        {"layers", offsetof(llm_roofline_config, layers)},
        {"d_model", offsetof(llm_roofline_config, d_model)},
        {"kv_heads", offsetof(llm_roofline_config, kv_heads)},
        {"head_dim", offsetof(llm_roofline_config, head_dim)},
        {"weight_bits", offsetof(llm_roofline_config, weight_bits)},
        {"kv_bytes", offsetof(llm_roofline_config, kv_bytes)},
        {"peak_flops", offsetof(llm_roofline_config, peak_flops)},
        {"mem_bw_bytes_per_s", offsetof(llm_roofline_config, mem_bw_bytes_per_s)},
        {"eta_compute", offsetof(llm_roofline_config, eta_compute)},
        {"eta_memory", offsetof(llm_roofline_config, eta_memory)},
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        double v = *(const double *)((const char *)rc + required[i].offset);
        if (!isfinite(v))
            return keys_errorf(err, errlen, "%s.roofline.%s: required when roofline.params is given, found nothing", path,
                        required[i].name);
    }
    return 0;
}

/* The measured decode table: pairs (batch >= 1 increasing, seconds > 0). */
static int table_load(const llm_config *cfg, const char *path, llm_profile *out, char *err, size_t errlen)
{
    int n = cfg->n_decode_table;
    if (n % 2 != 0 || n < 2)
        return keys_errorf(err, errlen, "%s.decode_step_table_s: expected pairs [batch, seconds, ...], found %d numbers",
                    path, n);
    out->n_table = n / 2;
    for (int i = 0; i < out->n_table; i++) {
        double b = cfg->decode_step_table_s[2 * i], s = cfg->decode_step_table_s[2 * i + 1];
        if (b < 1 || b != floor(b) || (i > 0 && b <= out->table_batch[i - 1]))
            return keys_errorf(err, errlen,
                        "%s.decode_step_table_s[%d]: expected a batch size >= 1 above the previous one, found %g",
                        path, 2 * i, b);
        if (!(s > 0))
            return keys_errorf(err, errlen, "%s.decode_step_table_s[%d]: expected seconds > 0, found %g", path, 2 * i + 1, s);
        out->table_batch[i] = b;
        out->table_step_s[i] = s;
    }
    out->table_context_tokens = cfg->decode_table_context_tokens;
    return 0;
}

int llm_profile_resolve(const llm_config *cfg, const char *path, llm_profile *out, char *err, size_t errlen)
{
    char names[512];
    memset(out, 0, sizeof *out);
    for (int i = 0; i < 3; i++)
        out->p[i] = out->d[i] = NAN;
    out->kv_capacity_bytes = out->kv_bytes_per_token = out->power_w = NAN;
    snprintf(out->name, sizeof out->name, "custom");

    if (cfg->replicas > 1 && strcmp(cfg->tier, "cloud") != 0)
        return keys_errorf(err, errlen, "%s.replicas: applies to cloud-tier models only (tier \"%s\": use edge.servers "
                           "for edge copies), found %d", path, cfg->tier, cfg->replicas);
    if (cfg->load_s > 0 && strcmp(cfg->tier, "device") != 0)
        return keys_errorf(err, errlen, "%s.load_s: applies to device-tier models only (tier \"%s\"), found %g", path,
                           cfg->tier, cfg->load_s);
    /* 1. preset defaults */
    if (cfg->preset[0] && strcmp(cfg->preset, "none") != 0) {
        const llm_preset *ps = llm_preset_find(cfg->preset);
        if (!ps) {
            preset_names(names, sizeof names);
            return keys_errorf(err, errlen, "%s.preset: expected one of none, %s, found \"%s\"", path, names, cfg->preset);
        }
        llm_preset_profile(ps, out);
    }
    /* 2. measured table and rate */
    if (cfg->n_decode_table > 0) {
        if (table_load(cfg, path, out, err, errlen) != 0)
            return -1;
        out->d[0] = out->d[1] = 0;
        if (!isfinite(out->d[2]))
            out->d[2] = 0;
    }
    if (isfinite(cfg->prefill_tokens_per_s)) {
        out->p[0] = cfg->prefill_floor_s;
        out->p[1] = 1 / cfg->prefill_tokens_per_s;
        if (!isfinite(out->p[2]))
            out->p[2] = 0;
    }
    /* 3. roofline */
    if (isfinite(cfg->roofline.params)) {
        if (roofline_check(&cfg->roofline, path, err, errlen) != 0)
            return -1;
        llm_roofline_coefficients(&cfg->roofline, out->p, out->d, &out->kv_bytes_per_token);
        out->n_table = 0;
        out->params = cfg->roofline.params;
    }
    /* 4. explicit coefficients */
    if (cfg->n_prefill != 0) {
        if (cfg->n_prefill != 3)
            return keys_errorf(err, errlen, "%s.prefill_s: expected 3 numbers [p0, p1, p2], found %d", path, cfg->n_prefill);
        memcpy(out->p, cfg->prefill_s, sizeof out->p);
    }
    if (cfg->n_decode != 0) {
        if (cfg->n_decode != 3)
            return keys_errorf(err, errlen, "%s.decode_step_s: expected 3 numbers [d0, d1, d2], found %d", path,
                        cfg->n_decode);
        memcpy(out->d, cfg->decode_step_s, sizeof out->d);
        out->n_table = 0;
    }
    if (cfg->max_batch > 0)
        out->max_batch = cfg->max_batch;
    if (isfinite(cfg->kv_capacity_bytes))
        out->kv_capacity_bytes = cfg->kv_capacity_bytes;
    if (isfinite(cfg->kv_bytes_per_token))
        out->kv_bytes_per_token = cfg->kv_bytes_per_token;
    if (isfinite(cfg->power_w))
        out->power_w = cfg->power_w;
    out->kv_retain_dialogues = cfg->kv_retain_dialogues;

    /* 5. completeness */
    if (!isfinite(out->p[0]) || !isfinite(out->p[1]) || !isfinite(out->p[2]))
        return keys_errorf(err, errlen,
                    "%s.prefill_s: no prefill profile (give prefill_s, roofline, prefill_tokens_per_s or a preset)",
                    path);
    if (!isfinite(out->d[0]) || !isfinite(out->d[1]) || !isfinite(out->d[2]))
        return keys_errorf(err, errlen,
                    "%s.decode_step_s: no decode profile (give decode_step_s, roofline, decode_step_table_s or a "
                    "preset)",
                    path);
    if (out->max_batch < 1)
        return keys_errorf(err, errlen, "%s.max_batch: expected an integer >= 1 without a preset, found %d", path,
                    cfg->max_batch);
    if (!isfinite(out->kv_bytes_per_token))
        out->kv_bytes_per_token = 0; /* KV not modelled: capacity never binds */
    if (!isfinite(out->kv_capacity_bytes))
        out->kv_capacity_bytes = INFINITY;
    if (!isfinite(out->power_w))
        out->power_w = 0;
    if (!(llm_prefill_s(out, 1, 0) > 0))
        return keys_errorf(err, errlen, "%s.prefill_s: a prefill of one token must take > 0 s, found %g s", path,
                    llm_prefill_s(out, 1, 0));
    if (!(llm_decode_step_s(out, 1, 1) > 0))
        return keys_errorf(err, errlen, "%s.decode_step_s: a decode step must take > 0 s, found %g s", path,
                    llm_decode_step_s(out, 1, 1));
    return 0;
}
