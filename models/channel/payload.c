/* payload.c -- bytes sent over the air per query (docs/MODEL.md section 2). */
#include "models/channel/channel.h"

double channel_uplink_bytes(const channel_config *cfg, double tokens, double extra_payload_bytes)
{
    return cfg->header_bytes + cfg->bytes_per_token * tokens + extra_payload_bytes;
}

double channel_downlink_first_bytes(const channel_config *cfg)
{
    return cfg->header_bytes + cfg->bytes_per_token;
}

double channel_downlink_rest_bytes(const channel_config *cfg, double out_tokens)
{
    return cfg->header_bytes + cfg->bytes_per_token * (out_tokens - 1);
}
