/* hd_buf: growable NUL-terminated buffer with a size cap. */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"

char hd_buf_slop[1];

void hd_buf_init(struct hd_buf *b, size_t cap)
{
    b->buf = hd_buf_slop;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void hd_buf_release(struct hd_buf *b)
{
    if (b->alloc) {
        free(b->buf);
    }
    hd_buf_init(b, b->cap);
}

void hd_buf_reset(struct hd_buf *b)
{
    b->len = 0;
    if (b->alloc) {
        b->buf[0] = '\0';
    }
}

char *hd_buf_detach(struct hd_buf *b, size_t *len)
{
    char *p;

    if (len) {
        *len = b->len;
    }
    p = b->alloc ? b->buf : hd_xstrdup("");
    hd_buf_init(b, b->cap);
    return p;
}

int hd_buf_grow(struct hd_buf *b, size_t extra, struct hd_err *err)
{
    size_t need, n;

    if (b->cap && (extra > b->cap || b->len > b->cap - extra)) {
        return hd_err_set(err, HD_EINPUT, NULL, 0, "field longer than the limit of %zu bytes",
                          b->cap);
    }
    need = b->len + extra + 1;
    if (need <= b->alloc) {
        return HD_OK;
    }
    n = b->alloc ? b->alloc : 64;
    while (n < need) {
        n *= 2;
    }
    if (b->alloc) {
        b->buf = hd_xrealloc(b->buf, n);
    } else {
        b->buf = hd_xmalloc(n);
        b->buf[0] = '\0';
    }
    b->alloc = n;
    return HD_OK;
}

int hd_buf_add(struct hd_buf *b, const void *data, size_t n, struct hd_err *err)
{
    int rc = hd_buf_grow(b, n, err);
    if (rc) {
        return rc;
    }
    if (n) {
        memcpy(b->buf + b->len, data, n);
    }
    b->len += n;
    b->buf[b->len] = '\0';
    return HD_OK;
}

int hd_buf_adds(struct hd_buf *b, const char *s, struct hd_err *err)
{
    return hd_buf_add(b, s, strlen(s), err);
}

int hd_buf_addch(struct hd_buf *b, int c, struct hd_err *err)
{
    char ch = (char)c;
    return hd_buf_add(b, &ch, 1, err);
}

int hd_buf_vaddf(struct hd_buf *b, struct hd_err *err, const char *fmt, va_list ap)
{
    va_list cp;
    int n, rc;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0) {
        return hd_err_set(err, HD_EINTERNAL, NULL, 0, "bad format string");
    }
    rc = hd_buf_grow(b, (size_t)n, err);
    if (rc) {
        return rc;
    }
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return HD_OK;
}

int hd_buf_addf(struct hd_buf *b, struct hd_err *err, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = hd_buf_vaddf(b, err, fmt, ap);
    va_end(ap);
    return rc;
}

void hd_buf_setlen(struct hd_buf *b, size_t len)
{
    if (len > b->len) {
        len = b->len;
    }
    b->len = len;
    if (b->alloc) {
        b->buf[len] = '\0';
    }
}
