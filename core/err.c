/* Error values: setting, prefixing and formatting struct hd_err. */
#include "core/err.h"

#include <stdio.h>
#include <string.h>

int hd_err_setv(struct hd_err *err, enum hd_rc rc, const char *src, long line, const char *fmt,
                va_list ap)
{
    if (!err) {
        return rc;
    }
    err->rc = rc;
    snprintf(err->src, sizeof(err->src), "%s", src ? src : "");
    err->line = line;
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return rc;
}

int hd_err_set(struct hd_err *err, enum hd_rc rc, const char *src, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hd_err_setv(err, rc, src, line, fmt, ap);
    va_end(ap);
    return rc;
}

int hd_err_prefix(struct hd_err *err, const char *fmt, ...)
{
    char ctx[256];
    char old[sizeof(err->msg)];
    va_list ap;

    if (!err) {
        return HD_OK;
    }
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof(ctx), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    /* Copy by hand: snprintf("%s: %s") trips -Wformat-truncation. */
    size_t n = strlen(ctx), m = strlen(old), cap = sizeof(err->msg) - 1;
    if (n > cap) {
        n = cap;
    }
    memcpy(err->msg, ctx, n);
    if (n + 2 <= cap) {
        memcpy(err->msg + n, ": ", 2);
        n += 2;
    }
    if (m > cap - n) {
        m = cap - n;
    }
    memcpy(err->msg + n, old, m);
    err->msg[n + m] = '\0';
    return err->rc;
}

void hd_err_clear(struct hd_err *err)
{
    if (err) {
        memset(err, 0, sizeof(*err));
    }
}

const char *hd_err_format(const struct hd_err *err, char *out, unsigned long outsz)
{
    if (!err || outsz == 0) {
        return out;
    }
    if (err->src[0] && err->line > 0) {
        snprintf(out, outsz, "%s:%ld: %s", err->src, err->line, err->msg);
    } else if (err->src[0]) {
        snprintf(out, outsz, "%s: %s", err->src, err->msg);
    } else {
        snprintf(out, outsz, "%s", err->msg);
    }
    return out;
}

int hd_rc_exit_status(int rc)
{
    switch (rc) {
    case HD_OK:
        return 0;
    case HD_EUSAGE:
    case HD_EINPUT:
        return 2;
    default:
        return 3;
    }
}
