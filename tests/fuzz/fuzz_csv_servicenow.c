/* libFuzzer target: CSV ingest with the built-in 'servicenow' profile, then an_save into
 * ":memory:". */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_ingest(data, size, "servicenow", NULL, 1);
    return 0;
}
