/* Allocation wrappers that exit(3) with one line on out-of-memory. */
#include "core/alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static void oom(size_t n)
{
    fprintf(stderr, "handoff: fatal: out of memory allocating %zu bytes\n", n);
    exit(3);
}

void *hd_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        oom(n);
    }
    return p;
}

void *hd_xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p) {
        oom(nmemb * size);
    }
    return p;
}

void *hd_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        oom(n);
    }
    return q;
}

char *hd_xstrdup(const char *s)
{
    return hd_xstrndup(s, strlen(s));
}

char *hd_xstrndup(const char *s, size_t n)
{
    char *p = hd_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void hd_xgrow(void **arr, size_t *alloc, size_t need, size_t elsize)
{
    size_t n;

    if (need <= *alloc) {
        return;
    }
    n = *alloc ? *alloc : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2 / elsize) {
            oom(SIZE_MAX);
        }
        n *= 2;
    }
    *arr = hd_xrealloc(*arr, n * elsize);
    *alloc = n;
}

void hd_advise_huge(void *p, size_t bytes)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t end = ((uintptr_t)p + bytes) & ~(huge - 1);
    if (end > start) {
        madvise((void *)start, end - start, MADV_HUGEPAGE);
    }
#else
    (void)p;
    (void)bytes;
#endif
}

void *hd_xmalloc_huge(size_t bytes)
{
    const size_t huge = (size_t)2 << 20;
    void *p = NULL;

    if (bytes < 2 * huge) {
        return hd_xmalloc(bytes ? bytes : 1);
    }
    bytes = (bytes + huge - 1) & ~(huge - 1);
    if (posix_memalign(&p, huge, bytes) != 0) {
        return hd_xmalloc(bytes);
    }
    hd_advise_huge(p, bytes);
    return p;
}
