#ifndef HD_CORE_ERR_H
#define HD_CORE_ERR_H

/*
 * Error values passed up the stack. A failing function fills a caller-owned
 * `struct hd_err` (which may be NULL) and returns its code; callers pass the
 * code up unchanged and may only prepend context. Library layers never print
 * and never exit: only cli/ turns a code into an exit status.
 *
 * Message style: lowercase, no final period, what is wrong first, the subject
 * in single quotes, one line. `src` and `line` name the *input* that caused
 * the failure (a file and line, or a JSON path with line 0), not C source.
 */

#include <stdarg.h>

enum hd_rc {
    HD_OK = 0,
    HD_EUSAGE,    /* the caller asked for something impossible (exit 2) */
    HD_EINPUT,    /* bad input data or configuration (exit 2) */
    HD_EIO,       /* the system failed us: open, write, sqlite (exit 3) */
    HD_EINTERNAL, /* a bug or an unexpected state (exit 3) */
};

struct hd_err {
    enum hd_rc rc; /* HD_OK until something fails */
    char src[128]; /* input file or JSON document; "" when unknown */
    long line;     /* 1-based input line; 0 when none applies */
    char msg[256]; /* one-line reason */
};

/* A zeroed struct hd_err means "no error". */
#define HD_ERR_INIT                                                                                \
    {                                                                                              \
        HD_OK, "", 0, ""                                                                           \
    }

/*
 * Record a failure and return `rc`, so a failure site is one line:
 *     return hd_err_set(err, HD_EINPUT, path, line, "bad time '%s'", v);
 * `err` may be NULL (the code is still returned). `src` may be NULL.
 * Messages longer than the buffer are truncated, never overflow.
 */
int hd_err_set(struct hd_err *err, enum hd_rc rc, const char *src, long line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* As hd_err_set with a va_list. */
int hd_err_setv(struct hd_err *err, enum hd_rc rc, const char *src, long line, const char *fmt,
                va_list ap);

/*
 * Prepend "context: " to the message already in `err`, keeping its code,
 * source and line. Returns err->rc (HD_OK if err is NULL).
 */
int hd_err_prefix(struct hd_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset to "no error". */
void hd_err_clear(struct hd_err *err);

/*
 * Format the error as "SRC:LINE: MSG", "SRC: MSG" or "MSG" into `out`
 * (always NUL-terminated). Returns `out`.
 */
const char *hd_err_format(const struct hd_err *err, char *out, unsigned long outsz);

/* The exit status the cli uses for a code: 0, 2, 2, 3, 3. */
int hd_rc_exit_status(int rc);

#endif
