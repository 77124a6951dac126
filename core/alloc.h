#ifndef HD_CORE_ALLOC_H
#define HD_CORE_ALLOC_H

/*
 * Allocation that cannot fail: on out-of-memory these print one line to
 * stderr and exit(3), the only exit allowed below cli/ (git, Redis and jq do
 * the same). Everything they return is freed with free().
 */

#include <stddef.h>

void *hd_xmalloc(size_t n);
void *hd_xcalloc(size_t nmemb, size_t size);
void *hd_xrealloc(void *p, size_t n);
char *hd_xstrdup(const char *s);

/*
 * hd_xcalloc for a table that is read before it is written (a hash table's
 * probes): the zeroes are written here. A fresh page that calloc hands out
 * untouched is mapped to the shared zero page by the first read and
 * faulted again, with a TLB flush, by the first write; written at once it
 * costs one fault.
 */
void *hd_xcalloc_touch(size_t nmemb, size_t size);
char *hd_xstrndup(const char *s, size_t n);

/*
 * Grow `*arr` (of `*alloc` elements of `elsize` bytes) so that it holds at
 * least `need` elements, by doubling. O(1) amortised.
 */
void hd_xgrow(void **arr, size_t *alloc, size_t need, size_t elsize);

/*
 * Hint that a large array should get transparent huge pages (2 MiB): on big
 * tables filled in random order, 4 KiB page faults and TLB misses dominate.
 * Only the 2 MiB-aligned inside of [p, p + bytes) is advised; nothing
 * depends on the hint being taken.
 */
void hd_advise_huge(void *p, size_t bytes);

/*
 * Memory for a large array about to be filled: from 4 MiB up, aligned to
 * 2 MiB (rounded up to whole 2 MiB pages) and advised huge pages; plain
 * hd_xmalloc below that. First touches of fresh 4 KiB pages cost tens of
 * microseconds each on our virtual machines. Contents are uninitialised;
 * free() and realloc() work as for malloc. Exits like hd_xmalloc.
 */
void *hd_xmalloc_huge(size_t bytes);

/*
 * Big arrays that come and go within a run (a dataset's events, an
 * analysis's segments): from 2 MiB up they are mapped in whole 2 MiB pages,
 * 2 MiB-aligned and advised huge pages; smaller ones are plain malloc.
 * hd_big_free does not return the pages to the system but keeps them for
 * the next hd_big_alloc (fresh memory costs a page fault and the kernel's
 * zeroing on first touch; a recycled page neither), so a process holds on
 * to the most it had freed at once. hd_big_realloc moves pages without
 * copying them.
 *
 * Unlike the functions above, the caller passes the size: free and realloc
 * take the `bytes` the array was last allocated with, and nothing from here
 * may go to free() or realloc(), nor anything from malloc() come here.
 * hd_big_alloc's contents are uninitialised, hd_big_zalloc's zero (below
 * 2 MiB written at once, as hd_xcalloc_touch);
 * hd_big_realloc keeps the first min(old_bytes, bytes). hd_big_free(NULL, n)
 * does nothing. Thread-safe. Exits like hd_xmalloc.
 */
void *hd_big_alloc(size_t bytes);
void *hd_big_zalloc(size_t bytes);
void *hd_big_realloc(void *p, size_t old_bytes, size_t bytes);
void hd_big_free(void *p, size_t bytes);

/* Ask the CPU to start loading the cache line at p (a hint; no effect on results). */
#if defined(__GNUC__) || defined(__clang__)
#define HD_PREFETCH(p) __builtin_prefetch(p)
#else
#define HD_PREFETCH(p) ((void)(p))
#endif

/* The check is inline: in hot loops the call itself was the cost. `need`
 * is evaluated twice, so it must have no side effects. */
#define HD_GROW(arr, alloc, need)                                                  \
    ((size_t)(need) > (size_t)(alloc)                                              \
         ? hd_xgrow((void **)&(arr), &(alloc), (need), sizeof(*(arr)))             \
         : (void)0)

#endif
