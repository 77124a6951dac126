/*
 * libFuzzer target: CSV ingest through a user mapping (samples/maps/
 * ticketflow.json: renamed columns, value maps, a zone, "missing" values,
 * a "Name#2" duplicate column). HD_FUZZ_MAP overrides the mapping path;
 * the default is relative to the repository root, where `make fuzz` runs.
 */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *map = getenv("HD_FUZZ_MAP");
    fz_ingest(data, size, NULL, map ? map : "samples/maps/ticketflow.json", 0);
    return 0;
}
