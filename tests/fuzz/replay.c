/*
 * Replays inputs through a fuzz target without libFuzzer, so crashes found
 * by `make fuzz` stay fixed: `make faults` links each tests/fuzz/fuzz_*.c
 * with this main under ASan + UBSan and feeds it tests/fuzz/regressions/
 * <target>/. Arguments are files or directories (every regular file in it).
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static long replayed;

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, alloc = 0;

    if (!f) {
        fprintf(stderr, "replay: cannot open '%s'\n", path);
        return 1;
    }
    for (;;) {
        if (alloc - len < 65536) {
            alloc = alloc * 2 + 65536;
            uint8_t *nb = realloc(buf, alloc);
            if (!nb) {
                free(buf);
                fclose(f);
                return 1;
            }
            buf = nb;
        }
        size_t n = fread(buf + len, 1, alloc - len, f);
        len += n;
        if (n == 0) {
            break;
        }
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    replayed++;
    return 0;
}

int main(int argc, char **argv)
{
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        struct stat sb;
        if (stat(argv[i], &sb) != 0) {
            continue; /* a target without regressions has no folder */
        }
        if (!S_ISDIR(sb.st_mode)) {
            rc |= replay_file(argv[i]);
            continue;
        }
        DIR *dir = opendir(argv[i]);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL) {
            char p[4096];
            if (e->d_name[0] == '.') {
                continue;
            }
            snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
            if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode)) {
                rc |= replay_file(p);
            }
        }
        if (dir) {
            closedir(dir);
        }
    }
    printf("replay %s: %ld inputs\n", argv[0], replayed);
    return rc;
}
