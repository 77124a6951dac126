/*
 * libFuzzer target: scenario loading and validation (simulator/scenario.c),
 * plus the built-in resolver policy bound to a scenario that loads. Runs
 * no simulation: replications are unbounded work by design.
 */
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "simulator/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hd_err err = HD_ERR_INIT;
    struct sim_scenario *sc = NULL;

    if (sim_scenario_load_text((const char *)data, size, "fuzz", &sc, &err) != HD_OK) {
        return 0;
    }
    struct sim_policy *p = sim_policy_new_resolver(sc);
    (void)sim_scenario_replications(sc);
    (void)sim_scenario_seed(sc);
    (void)sim_scenario_name(sc);
    sim_policy_free(p);
    sim_scenario_free(sc);
    return 0;
}
