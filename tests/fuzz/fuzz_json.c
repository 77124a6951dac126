/*
 * libFuzzer target: JSON ingest. Each input is read twice: by the generic
 * profile (NDJSON, or a JSON array split into elements) and by the jira
 * profile (Jira REST export with changelogs), then saved into ":memory:".
 */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_ingest(data, size, "generic", NULL, 1);
    fz_ingest(data, size, "jira", NULL, 1);
    return 0;
}
