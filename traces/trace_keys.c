/* trace_keys.c -- the "trace" scenario object. */
#include "traces/trace.h"

#include <stddef.h>

static const char *const benchmarks[] = {"mmlu", "gsm8k", "mtbench101", "mix", NULL};
static const char *const processes[] = {"poisson", "mmpp", "diurnal", "trace", NULL};

static const key_spec generate_keys[] = {
    KEY_STR(trace_config, generate.benchmark, "benchmark", "\"mmlu\"", benchmarks, "benchmark whose figures calibrate the generator"),
    KEY_INTV(trace_config, generate.queries, "queries", "1000", 0, 1e9, "single queries to generate"),
    KEY_INTV(trace_config, generate.dialogues, "dialogues", "0", 0, 1e9, "dialogues to generate"),
    KEY_NUM(trace_config, generate.auc, "auc", "0.75", 0.5, 1.0, "target ROC AUC of p_large for 'large needed'"),
    KEY_NUM(trace_config, generate.out_pred_error, "out_pred_error", "0", 0, 10, "relative sd of the predicted output length"),
    KEY_INTV(trace_config, generate.mmlu_answer_tokens, "mmlu_answer_tokens", "1", 1, 1e7, "tokens of an MMLU answer (RouteLLM protocol: 1)"),
    KEY_INTV(trace_config, generate.seed, "seed", "0", 0, 2147483647, "0: trace from the run's seed and replication; else this seed in every run"),
    KEY_STR(trace_config, generate.models, "models", "\"\"", NULL,
            "models, weakest first (\"small,large,gpt4\"): small, large and q_/p_ columns for the others; more than two "
            "draw the benchmark's measured joint correctness; empty: small,large"),
    KEY_TABLE_END,
};

static const key_spec arrival_keys[] = {
    KEY_STR(trace_config, arrival.process, "process", "\"poisson\"", processes, "arrival process of single queries and first turns"),
    KEY_NUM(trace_config, arrival.rate_per_s, "rate_per_s", "1", 1e-9, 1e9, "arrival rate, 1/s: aggregate (per device if per_device); mmpp: normal state; diurnal: mean"),
    KEY_NUM(trace_config, arrival.burst_rate_per_s, "burst_rate_per_s", "10", 1e-9, 1e9, "mmpp: rate in the burst state, 1/s"),
    KEY_NUM(trace_config, arrival.mean_normal_s, "mean_normal_s", "60", 1e-9, 1e12, "mmpp: mean time in the normal state, s"),
    KEY_NUM(trace_config, arrival.mean_burst_s, "mean_burst_s", "10", 1e-9, 1e12, "mmpp: mean time in the burst state, s"),
    KEY_NUM(trace_config, arrival.diurnal_amplitude, "diurnal_amplitude", "0.5", 0, 1, "diurnal: relative amplitude of the rate"),
    KEY_NUM(trace_config, arrival.diurnal_period_s, "diurnal_period_s", "86400", 1e-6, 1e12, "diurnal: period of the rate curve, s"),
    KEY_NUM(trace_config, arrival.diurnal_peak_s, "diurnal_peak_s", "50400", 0, 1e12, "diurnal: time of the peak rate within the period, s"),
    KEY_BOOLV(trace_config, arrival.per_device, "per_device", "false", "one process per device (rates per device) instead of one aggregate process"),
    KEY_TABLE_END,
};

/* The sub-tables' offsets are relative to trace_config, so the objects are
 * described with offset 0 and the members carry the full offsets. */
const key_spec trace_keys[] = {
    KEY_STR(trace_config, path, "path", "\"\"", NULL, "trace file (.csv or .jsonl), relative: in the scenario's folder (--set: working directory); empty: generate"),
    KEY_SUB("generate", generate_keys, "synthetic trace calibrated from real benchmarks"),
    KEY_SUB("arrival", arrival_keys, "arrival process when the trace has no t_arr_s"),
    KEY_NUM(trace_config, think_s, "think_s", "10", 0, 1e9, "mean think time between dialogue turns, s (exponential)"),
    KEY_NUM(trace_config, deadline_s, "deadline_s", NULL, 0, 1e9,
            "abandon a query this long after its arrival, wherever it is (status deadline; the trace column "
            "deadline_s overrides it), s; null: never"),
    KEY_NUM(trace_config, tokens_per_word, "tokens_per_word", "1.3", 0.01, 100, "token estimate from word counts"),
    KEY_TABLE_END,
};
