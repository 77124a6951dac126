/*
 * libFuzzer target: policy loading (core/policy_load.c) and, for a policy
 * that loads, a few decisions (core/policy_eval.c) on fixed tickets.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hd_err err = HD_ERR_INIT;
    struct hd_policy *p = NULL;

    if (hd_policy_load_text((const char *)data, size, "fuzz", &p, NULL, NULL, &err) != HD_OK) {
        return 0;
    }
    struct hd_policy_state *st = hd_policy_state_new(p);
    struct hd_policy_ticket t = {
        .title = "VPN down after phishing email, password reset",
        .description = "user clicked a link; malware? urgent",
        .category = "Network",
        .subcategory = "VPN",
        .priority = 2,
        .asset_class = "laptop",
        .asset = "LT-1",
        .requester = "Ana",
        .requester_tier = "vip",
        .client = "acme",
        .channel = "email",
        .opened_ms = 1767225600000LL,
    };
    struct hd_policy_decision dec;
    for (int i = 0; i < 4; i++) {
        t.priority = i + 1;
        t.opened_ms += 3600000LL * i;
        (void)hd_policy_decide(p, st, &t, &dec, &err);
    }
    for (size_t i = 0; i < hd_policy_timer_count(p); i++) {
        (void)hd_policy_timer_applies(hd_policy_timer(p, i), 3);
    }
    (void)hd_policy_cadence_ms(p, 1);
    hd_policy_state_free(st);
    hd_policy_free(p);
    return 0;
}
