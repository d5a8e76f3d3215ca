/* presets.c -- named latency profiles with their sources (docs/PROFILES.md).
 *
 * A preset is data: the model's architecture (from its Hugging Face
 * config.json) plus either published measurements (TTFT at one or two prompt
 * lengths, decode tokens/s at batch 1 and optionally TPOT at a second batch
 * size) or hardware datasheet figures for the roofline.  The coefficients are
 * derived from them by llm_preset_profile(), so every number in a profile can
 * be traced to a line below.
 */
#include "models/llm/llm.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Datasheet figures. */
#define H100_SXM_BF16_FLOPS 989.4e12 /* dense BF16 tensor FLOP/s, NVIDIA H100 SXM5 (glennklockwood.com/garden/processors/h100) */
#define H100_SXM_BW 3.35e12          /* HBM3 B/s, same source and NVIDIA H100 datasheet */
#define H100_MEM 80e9                /* bytes per GPU */
#define VLLM_GPU_MEM_UTIL 0.9        /* vLLM default gpu_memory_utilization: KV = 0.9*memory - weights */
#define PHONE_KV_BYTES 1e9           /* assumption: 1 GB of a 12 GB phone for the KV cache */
#define PHONE_POWER_W 5.0            /* MODEL.md section 3 default compute power */

const llm_preset llm_presets[] = {
    /* ---- small, on-device ---- */
    {
        "qwen2.5-1.5b-int4-phone", "Qwen2.5-1.5B-Instruct w4a16", "Snapdragon 8 Elite QRD, Genie/QNN NPU",
        1.54e9, 28, 1536, 2, 128, 4, 2,
        {128, 0}, {0.095, 0}, 23.5, 0, 0,
        0, 0, 0, 0,
        1, PHONE_KV_BYTES, PHONE_POWER_W, 1,
        "quic/ai-hub-models qwen2_5_1_5b_instruct/perf.yaml (TTFT 95 ms @128 tokens, 23.5 tok/s); "
        "architecture: Qwen/Qwen2.5-1.5B-Instruct config.json",
    },
    {
        "llama3.2-1b-int4-phone", "Llama-3.2-1B-Instruct w4a16", "Snapdragon 8 Elite QRD, Genie/QNN NPU",
        1.24e9, 16, 2048, 8, 64, 4, 2,
        {128, 4096}, {0.037, 1.19}, 53.6, 0, 0,
        0, 0, 0, 0,
        1, PHONE_KV_BYTES, PHONE_POWER_W, 1,
        "quic/ai-hub-models llama_v3_2_1b_instruct/perf.yaml (TTFT 37 ms @128, 1.19 s @4096, 53.6 tok/s); "
        "architecture: meta-llama/Llama-3.2-1B config.json",
    },
    {
        "llama3.2-3b-int4-phone", "Llama-3.2-3B-Instruct w4a16", "Snapdragon 8 Elite QRD, Genie/QNN NPU",
        3.21e9, 28, 3072, 8, 128, 4, 2,
        {128, 4096}, {0.088, 2.82}, 23.5, 0, 0,
        0, 0, 0, 0,
        1, PHONE_KV_BYTES, PHONE_POWER_W, 1,
        "quic/ai-hub-models llama_v3_2_3b_instruct/perf.yaml (TTFT 88 ms @128, 2.82 s @4096, 23.5 tok/s); "
        "architecture: meta-llama/Llama-3.2-3B config.json",
    },
    /* ---- large, edge server ---- */
    {
        "llama3.1-8b-fp16-h100", "Llama-3.1-8B-Instruct fp16", "1x H100 80GB SXM, vLLM",
        8.03e9, 32, 4096, 8, 128, 16, 2,
        {512, 0}, {512 / 7367.0, 0}, 1 / 6.48e-3, 16, 10.9e-3,
        0, 0, 0, 0,
        32, VLLM_GPU_MEM_UTIL * H100_MEM - 8.03e9 * 2, 700, 0,
        "yobitelcomm.github.io/bench/recipes/concurrency-sweep (vLLM, TPOT p50 6.48 ms at 1 concurrent, "
        "10.9 ms at 16); XiongjieDai/GPU-Benchmarks-on-LLM-Inference (H100, 7B f16 prompt 7,367 tok/s); "
        "architecture: meta-llama/Llama-3.1-8B config.json",
    },
    {
        "llama3.1-8b-bf16-a100", "Llama-3.1-8B-Instruct bf16", "1x A100 80GB, vLLM",
        8.03e9, 32, 4096, 8, 128, 16, 2,
        {512, 0}, {512 / 5106.0, 0}, 75, 8, 8 / (6.6 * 75),
        0, 0, 0, 0,
        32, VLLM_GPU_MEM_UTIL * 80e9 - 8.03e9 * 2, 400, 0,
        "johnmusgrave.com vLLM sweep on A100 (75 tok/s at concurrency 1, 6.6x throughput at 8 with "
        "near-constant TPOT); XiongjieDai/GPU-Benchmarks-on-LLM-Inference (A100 80GB, 7B f16 prompt "
        "5,106 tok/s)",
    },
    {
        "qwen2.5-14b-fp16-2xh100", "Qwen2.5-14B-Instruct fp16", "2x H100 80GB SXM, tensor parallel (roofline)",
        14.7e9, 48, 5120, 8, 128, 16, 2,
        {0, 0}, {0, 0}, 0, 0, 0,
        2 * H100_SXM_BF16_FLOPS, 2 * H100_SXM_BW, 0.5, 0.7,
        32, VLLM_GPU_MEM_UTIL * 2 * H100_MEM - 14.7e9 * 2, 2 * 700, 0,
        "roofline: NVIDIA H100 SXM datasheet (989.4 TFLOP/s BF16 dense, 3.35 TB/s); eta_compute 0.5 "
        "(vidur H100 linear-op profile: 57% at 512 tokens), eta_memory 0.7 (A100 measured 0.77, less "
        "for the TP all-reduce); architecture: Qwen/Qwen2.5-14B-Instruct model card",
    },
    {
        "llama3.1-70b-fp16-4xh100", "Llama-3.1-70B-Instruct fp16", "4x H100 80GB SXM, tensor parallel (roofline)",
        70.6e9, 80, 8192, 8, 128, 16, 2,
        {0, 0}, {0, 0}, 0, 0, 0,
        4 * H100_SXM_BF16_FLOPS, 4 * H100_SXM_BW, 0.5, 0.6,
        32, VLLM_GPU_MEM_UTIL * 4 * H100_MEM - 70.6e9 * 2, 4 * 700, 0,
        "roofline: NVIDIA H100 SXM datasheet; eta_memory 0.6 puts TPOT at 17.6 ms, inside the 15-25 ms "
        "of vidur's TP4 profile plus communication (REFERENCE 5c); architecture: "
        "meta-llama/Llama-3.1-70B config.json",
    },
    {NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, {0, 0}, {0, 0}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL},
};

const llm_preset *llm_preset_find(const char *name)
{
    for (const llm_preset *ps = llm_presets; ps->name; ps++)
        if (strcmp(ps->name, name) == 0)
            return ps;
    return NULL;
}

/* Coefficients from measurements (docs/PROFILES.md "Presets"):
 *   p2 = p1 * 2*layers*d_model/N   (the roofline ratio p2/p1, same FLOP rate)
 *   p0, p1 from TTFT(n) = p0 + p1*(n + r*n^2/2), r = p2/p1, at two lengths
 *          (one length: p0 = 0)
 *   d1 = (TPOT(b) - TPOT(1))/(b - 1), or p1 (roofline: d1 = p1) without it
 *   d0 = TPOT(1) - d1
 *   d2 = kv_bytes_per_token * d0 / W (the bandwidth implied by d0). */
void llm_preset_profile(const llm_preset *ps, llm_profile *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", ps->name);
    double kv = 2 * ps->layers * ps->kv_heads * ps->head_dim * ps->kv_bytes;
    if (ps->ttft_tokens[0] > 0) {
        double r = 2 * ps->layers * ps->d_model / ps->params;
        double s1 = ps->ttft_tokens[0] * (1 + r * ps->ttft_tokens[0] / 2);
        if (ps->ttft_tokens[1] > 0) {
            double s2 = ps->ttft_tokens[1] * (1 + r * ps->ttft_tokens[1] / 2);
            out->p[1] = (ps->ttft_s[1] - ps->ttft_s[0]) / (s2 - s1);
            out->p[0] = ps->ttft_s[0] - out->p[1] * s1;
        } else {
            out->p[1] = ps->ttft_s[0] / s1;
        }
        out->p[2] = out->p[1] * r;
        double tpot1 = 1 / ps->decode_tokens_per_s;
        out->d[1] = ps->tpot_batch > 1 ? (ps->tpot_s - tpot1) / (ps->tpot_batch - 1) : out->p[1];
        out->d[0] = tpot1 - out->d[1];
        out->d[2] = kv * out->d[0] / (ps->params * ps->weight_bits / 8);
        out->kv_bytes_per_token = kv;
    } else {
        llm_roofline_config rc = {ps->params, ps->layers, ps->d_model, ps->kv_heads, ps->head_dim,
                                  ps->weight_bits, ps->kv_bytes, ps->peak_flops, ps->mem_bw_bytes_per_s,
                                  ps->eta_compute, ps->eta_memory};
        llm_roofline_coefficients(&rc, out->p, out->d, &out->kv_bytes_per_token);
    }
    out->max_batch = ps->max_batch;
    out->kv_capacity_bytes = ps->kv_capacity_bytes;
    out->power_w = ps->power_w;
    out->params = ps->params;
    out->kv_retain_dialogues = ps->kv_retain_dialogues;
}

#define LIST_PROMPT_TOKENS 512.0 /* prompt and per-sequence context of the listed rates */

void llm_presets_print(FILE *out)
{
    fprintf(out, "%-26s %7s %12s %12s %12s  %s\n", "preset", "params", "prefill", "decode b=1", "decode b=32",
            "model / hardware");
    fprintf(out, "%-26s %7s %12s %12s %12s\n", "", "", "tok/s", "tok/s", "tok/s");
    for (const llm_preset *ps = llm_presets; ps->name; ps++) {
        llm_profile pr;
        llm_preset_profile(ps, &pr);
        double n = LIST_PROMPT_TOKENS;
        double prefill = n / llm_prefill_s(&pr, n, 0);
        double dec1 = 1 / llm_decode_step_s(&pr, 1, n);
        double dec32 = 32 / llm_decode_step_s(&pr, 32, 32 * n);
        fprintf(out, "%-26s %6.1fB %12.0f %12.1f %12.1f  %s / %s\n", ps->name, ps->params / 1e9, prefill, dec1,
                dec32, ps->model, ps->hardware);
        fprintf(out, "%-26s source: %s\n", "", ps->source);
    }
    fprintf(out, "(rates at a %.0f-token prompt and %.0f tokens of context per sequence; "
                 "coefficients and derivations: docs/PROFILES.md)\n",
            LIST_PROMPT_TOKENS, LIST_PROMPT_TOKENS);
}
