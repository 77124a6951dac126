#ifndef HD_CORE_BUF_H
#define HD_CORE_BUF_H

/*
 * Growable text buffer with git strbuf's invariants and a curl dynbuf-style
 * size cap.
 *
 * Invariants: `buf` is never NULL (an empty buffer points at a shared ""),
 * `buf[len] == '\0'` always, and `len <= cap` when `cap` is non-zero. A
 * buffer is initialised with hd_buf_init() or HD_BUF_INIT, released with
 * hd_buf_release(); hd_buf_detach() hands the memory to the caller.
 *
 * Appending past the cap fails with HD_EINPUT and leaves the buffer as it
 * was: an over-long input field is bad input, not a crash.
 */

#include <stdarg.h>
#include <stddef.h>

struct hd_buf {
    char *buf;    /* NUL-terminated contents; never NULL */
    size_t len;   /* bytes used, excluding the NUL */
    size_t alloc; /* bytes allocated; 0 while buf is the shared "" */
    size_t cap;   /* largest allowed len; 0 means no cap */
};

extern char hd_buf_slop[];
#define HD_BUF_INIT                                                                                \
    {                                                                                              \
        hd_buf_slop, 0, 0, 0                                                                       \
    }

struct hd_err;

/* Initialise an empty buffer that may grow to `cap` bytes (0: unbounded). */
void hd_buf_init(struct hd_buf *b, size_t cap);

/* Free the memory and reinitialise (keeping the cap). */
void hd_buf_release(struct hd_buf *b);

/* Make the buffer empty, keeping its memory. */
void hd_buf_reset(struct hd_buf *b);

/* Hand the contents to the caller (free with free()); the buffer is emptied. */
char *hd_buf_detach(struct hd_buf *b, size_t *len);

/*
 * Append; each returns HD_OK, or HD_EINPUT (with `err` filled, err may be
 * NULL) when the result would pass the cap, leaving the buffer unchanged.
 */
int hd_buf_add(struct hd_buf *b, const void *data, size_t n, struct hd_err *err);
int hd_buf_adds(struct hd_buf *b, const char *s, struct hd_err *err);
int hd_buf_addch(struct hd_buf *b, int c, struct hd_err *err);
int hd_buf_addf(struct hd_buf *b, struct hd_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int hd_buf_vaddf(struct hd_buf *b, struct hd_err *err, const char *fmt, va_list ap);

/* Ensure room for `extra` more bytes without changing len; cap applies. */
int hd_buf_grow(struct hd_buf *b, size_t extra, struct hd_err *err);

/* Shorten to `len` bytes (len <= b->len). */
void hd_buf_setlen(struct hd_buf *b, size_t len);

#endif
