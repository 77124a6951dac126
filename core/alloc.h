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
char *hd_xstrndup(const char *s, size_t n);

/*
 * Grow `*arr` (of `*alloc` elements of `elsize` bytes) so that it holds at
 * least `need` elements, by doubling. O(1) amortised.
 */
void hd_xgrow(void **arr, size_t *alloc, size_t need, size_t elsize);

#define HD_GROW(arr, alloc, need) hd_xgrow((void **)&(arr), &(alloc), (need), sizeof(*(arr)))

#endif
