/*
 * Allocation wrappers that exit(3) with one line on out-of-memory, and the
 * big-array allocator that maps 2 MiB pages and recycles them.
 */
#include "core/alloc.h"

#include <pthread.h>
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

void *hd_xcalloc_touch(size_t nmemb, size_t size)
{
    void *p;

    if (size && nmemb > SIZE_MAX / size) {
        oom(SIZE_MAX);
    }
    p = hd_xmalloc(nmemb * size);
    memset(p, 0, nmemb * size);
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

/* ---- big arrays ---------------------------------------------------------- */

/*
 * Mapped big arrays are whole 2 MiB pages at 2 MiB-aligned addresses. Freed
 * ones wait in `big_cache` (adjacent ranges merged) to be handed out again:
 * a recycled page is already faulted in, where a fresh one is zeroed by the
 * kernel on first touch, ~1 ms per MB on our virtual machines. Pages move
 * between arrays with mremap(2), which remaps them without copying. Under
 * AddressSanitizer everything is plain malloc, so that overflows are caught.
 */
#define BIG_PAGE ((size_t)2 << 20)
#define BIG_KEEP 8

#if defined(__SANITIZE_ADDRESS__)
#define BIG_MAP 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIG_MAP 0
#endif
#endif
#if !defined(BIG_MAP) && defined(__linux__) && defined(MREMAP_MAYMOVE) && defined(MREMAP_FIXED)
#define BIG_MAP 1
#endif
#ifndef BIG_MAP
#define BIG_MAP 0
#endif


/* 1 when an array of `bytes` is mapped (else it is malloc'd). */
static int big_mapped(size_t bytes)
{
    return BIG_MAP && bytes >= BIG_PAGE;
}

static size_t big_round(size_t bytes)
{
    if (bytes > SIZE_MAX - BIG_PAGE) {
        oom(bytes);
    }
    return (bytes + BIG_PAGE - 1) & ~(BIG_PAGE - 1);
}

#if BIG_MAP
struct big_range {
    char *p;
    size_t bytes; /* whole 2 MiB pages */
};

static struct big_range big_cache[BIG_KEEP];
static size_t big_ncache;
static pthread_mutex_t big_lock = PTHREAD_MUTEX_INITIALIZER;

/* Fresh pages: n bytes (whole huge pages) at a 2 MiB boundary. */
static char *big_map(size_t n)
{
    char *p = mmap(NULL, n + BIG_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *q;

    if (p == MAP_FAILED) {
        oom(n);
    }
    q = (char *)(((uintptr_t)p + BIG_PAGE - 1) & ~(uintptr_t)(BIG_PAGE - 1));
    if (q > p) {
        munmap(p, (size_t)(q - p));
    }
    munmap(q + n, (size_t)(p + BIG_PAGE - q));
    madvise(q, n, MADV_HUGEPAGE);
    return q;
}

/* Move range r's pages to the front of the fresh pages at q; 1 on success. */
static int big_move(struct big_range r, char *q)
{
    if (mremap(r.p, r.bytes, r.bytes, MREMAP_MAYMOVE | MREMAP_FIXED, q) == MAP_FAILED) {
        munmap(r.p, r.bytes);
        return 0;
    }
    return 1;
}

static void big_drop(size_t i)
{
    big_cache[i] = big_cache[--big_ncache];
}

/*
 * Take up to `want` bytes of kept pages: the front of the smallest range
 * that holds them all, else the whole largest range. Caller holds the lock.
 */
static struct big_range big_take(size_t want)
{
    struct big_range r = {NULL, 0};
    size_t best = SIZE_MAX, i;

    for (i = 0; i < big_ncache; i++) {
        if (big_cache[i].bytes >= want &&
            (best == SIZE_MAX || big_cache[i].bytes < big_cache[best].bytes)) {
            best = i;
        }
    }
    if (best != SIZE_MAX) {
        r.p = big_cache[best].p;
        r.bytes = want;
        big_cache[best].p += want;
        big_cache[best].bytes -= want;
        if (!big_cache[best].bytes) {
            big_drop(best);
        }
        return r;
    }
    for (i = 0; i < big_ncache; i++) {
        if (best == SIZE_MAX || big_cache[i].bytes > big_cache[best].bytes) {
            best = i;
        }
    }
    if (best != SIZE_MAX) {
        r = big_cache[best];
        big_drop(best);
    }
    return r;
}

/*
 * n bytes (whole huge pages) of mapped memory, recycled pages first: one
 * kept range's front when one is large enough, else kept ranges moved one
 * after another to the front of a fresh mapping. Sets *old to how many
 * bytes at the front were recycled (the rest are fresh, hence zero).
 */
static char *big_get(size_t n, size_t *old)
{
    struct big_range r;
    char *q;

    pthread_mutex_lock(&big_lock);
    r = big_take(n);
    if (r.bytes == n) {
        pthread_mutex_unlock(&big_lock);
        *old = n;
        return r.p;
    }
    q = big_map(n);
    *old = 0;
    while (r.bytes) {
        struct big_range to = r;
        if (!big_move(to, q + *old)) {
            break;
        }
        *old += r.bytes;
        r = *old < n ? big_take(n - *old) : (struct big_range){NULL, 0};
    }
    pthread_mutex_unlock(&big_lock);
    return q;
}

/* Keep [p, p + n) for reuse, merged with its neighbours. */
static void big_put(char *p, size_t n)
{
    size_t i;

    pthread_mutex_lock(&big_lock);
    for (i = 0; i < big_ncache;) {
        struct big_range *c = &big_cache[i];
        if (c->p + c->bytes == p) {
            p = c->p;
            n += c->bytes;
            big_drop(i);
        } else if (p + n == c->p) {
            n += c->bytes;
            big_drop(i);
        } else {
            i++;
        }
    }
    if (big_ncache == BIG_KEEP) {
        size_t small = 0;
        for (i = 1; i < big_ncache; i++) {
            if (big_cache[i].bytes < big_cache[small].bytes) {
                small = i;
            }
        }
        if (big_cache[small].bytes < n) {
            munmap(big_cache[small].p, big_cache[small].bytes);
            big_drop(small);
        } else {
            munmap(p, n);
            n = 0;
        }
    }
    if (n) {
        big_cache[big_ncache++] = (struct big_range){p, n};
    }
    pthread_mutex_unlock(&big_lock);
}
#else
static char *big_get(size_t n, size_t *old)
{
    (void)n;
    (void)old;
    abort(); /* big_mapped() is never true */
}

static void big_put(char *p, size_t n)
{
    (void)p;
    (void)n;
    abort();
}
#endif

void *hd_big_alloc(size_t bytes)
{
    size_t old;

    if (!big_mapped(bytes)) {
        return hd_xmalloc(bytes);
    }
    return big_get(big_round(bytes), &old);
}

void *hd_big_zalloc(size_t bytes)
{
    size_t old;
    char *p;

    if (!big_mapped(bytes)) {
        return hd_xcalloc_touch(1, bytes); /* tables: probed before written */
    }
    p = big_get(big_round(bytes), &old);
    memset(p, 0, old < bytes ? old : bytes); /* fresh pages are zero already */
    return p;
}

void *hd_big_realloc(void *p, size_t old_bytes, size_t bytes)
{
    char *q;

    if (!p) {
        return hd_big_alloc(bytes);
    }
    if (!big_mapped(old_bytes) && !big_mapped(bytes)) {
        return hd_xrealloc(p, bytes);
    }
    if (!big_mapped(old_bytes) || !big_mapped(bytes)) {
        q = hd_big_alloc(bytes);
        memcpy(q, p, old_bytes < bytes ? old_bytes : bytes);
        hd_big_free(p, old_bytes);
        return q;
    }
#if BIG_MAP
    size_t on = big_round(old_bytes), nn = big_round(bytes);
    if (nn <= on) {
        if (nn < on) {
            big_put((char *)p + nn, on - nn);
        }
        return p;
    }
    if (mremap(p, on, nn, 0) != MAP_FAILED) {
        madvise(p, nn, MADV_HUGEPAGE);
        return p; /* grown in place */
    }
    q = big_map(nn);
    if (!big_move((struct big_range){p, on}, q)) {
        oom(nn); /* the old pages are gone with their contents */
    }
    return q;
#else
    abort();
#endif
}

void hd_big_free(void *p, size_t bytes)
{
    if (!p) {
        return;
    }
    if (!big_mapped(bytes)) {
        free(p);
        return;
    }
    big_put(p, big_round(bytes));
}
