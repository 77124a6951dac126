/*
 * Buffered input for ingest: a file or stdin read in 1 MiB chunks, handed
 * out line by line (or whole, for JSON documents), with a digest of the
 * content that identifies the file in the store's `sources` table.
 */
#include "analyzer/ingest_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/alloc.h"
#include "core/err.h"

#define CHUNK (1u << 20)

int ing_reader_open(struct ing_reader *rd, const char *path, struct hd_err *err)
{
    struct stat sb;

    memset(rd, 0, sizeof(*rd));
    rd->path = path;
    rd->digest = AN_HASH_INIT;
    hd_buf_init(&rd->line, 0);
    if (!strcmp(path, "-")) {
        rd->f = stdin;
        rd->is_stdin = 1;
        return HD_OK;
    }
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        return hd_err_set(err, HD_EINPUT, path, 0, "is a directory, not a file");
    }
    rd->f = fopen(path, "rb");
    if (!rd->f) {
        return hd_err_set(err, errno == ENOENT ? HD_EINPUT : HD_EIO, path, 0, "cannot open: %s",
                          strerror(errno));
    }
    if (fstat(fileno(rd->f), &sb) == 0 && S_ISREG(sb.st_mode)) {
        rd->size = (uint64_t)sb.st_size;
    }
    return HD_OK;
}

void ing_reader_close(struct ing_reader *rd)
{
    if (rd->f && !rd->is_stdin) {
        fclose(rd->f);
    }
    free(rd->buf);
    hd_buf_release(&rd->line);
    rd->f = NULL;
    rd->buf = NULL;
}

/* Read more input after the unread part; returns bytes added, 0 at EOF. */
static int fill(struct ing_reader *rd, size_t *added, struct hd_err *err)
{
    size_t n, want = CHUNK;

    *added = 0;
    if (rd->eof) {
        return HD_OK;
    }
    if (rd->pos > 0) {
        memmove(rd->buf, rd->buf + rd->pos, rd->len - rd->pos);
        rd->len -= rd->pos;
        rd->pos = 0;
    }
    if (rd->size && rd->size >= rd->bytes && rd->size - rd->bytes < CHUNK) {
        /* A small file needs no 1 MiB buffer; one byte more sees EOF at once. */
        want = (size_t)(rd->size - rd->bytes) + 1;
    }
    if (rd->alloc - rd->len < want) {
        rd->alloc = rd->len + want;
        rd->buf = hd_xrealloc(rd->buf, rd->alloc + 1);
    }
    n = fread(rd->buf + rd->len, 1, want, rd->f);
    if (n < want) {
        if (ferror(rd->f)) {
            return hd_err_set(err, HD_EIO, rd->path, 0, "read error: %s", strerror(errno));
        }
        rd->eof = 1;
    }
    if (!rd->no_digest) {
        rd->digest = an_hash(rd->digest, rd->buf + rd->len, n);
    }
    rd->len += n;
    rd->bytes += n;
    rd->buf[rd->len] = '\0';
    *added = n;
    return HD_OK;
}

int ing_reader_line(struct ing_reader *rd, const char **line, size_t *len, struct hd_err *err)
{
    for (;;) {
        const char *start = rd->buf + rd->pos;
        const char *nl = rd->len > rd->pos ? memchr(start, '\n', rd->len - rd->pos) : NULL;
        size_t added;
        int rc;

        if (nl) {
            *line = start;
            *len = (size_t)(nl - start) + 1;
            rd->pos += *len;
            return HD_OK;
        }
        if (rd->max_line && rd->len - rd->pos > rd->max_line) {
            return hd_err_set(err, HD_EINPUT, rd->path, 0,
                              "a line at byte %llu is longer than the limit of %zu bytes; "
                              "is this a text export?",
                              (unsigned long long)(rd->bytes - (rd->len - rd->pos)), rd->max_line);
        }
        if (rd->eof) {
            if (rd->pos < rd->len) {
                *line = start;
                *len = rd->len - rd->pos;
                rd->pos = rd->len;
                return HD_OK;
            }
            *line = NULL;
            *len = 0;
            return HD_OK;
        }
        rc = fill(rd, &added, err);
        if (rc) {
            return rc;
        }
    }
}

/* HD_EINPUT at a NUL byte in buf[from, rd->len): JSON text never holds one raw. */
static int json_nul(struct ing_reader *rd, size_t from, struct hd_err *err)
{
    const char *nul = rd->len > from ? memchr(rd->buf + from, '\0', rd->len - from) : NULL;
    if (!nul) {
        return HD_OK;
    }
    return hd_err_set(err, HD_EINPUT, rd->path, 0,
                      "NUL byte at byte %llu: a binary file, not JSON text",
                      (unsigned long long)(rd->bytes - (size_t)(rd->buf + rd->len - nul)));
}

int ing_reader_all(struct ing_reader *rd, size_t cap, const char **data, size_t *len,
                   struct hd_err *err)
{
    int rc = json_nul(rd, rd->pos, err);

    while (!rc && !rd->eof) {
        size_t added;
        rc = fill(rd, &added, err);
        if (!rc) {
            rc = json_nul(rd, rd->len - added, err);
        }
        if (!rc && rd->len - rd->pos > cap) {
            rc = hd_err_set(err, HD_EINPUT, rd->path, 0,
                            "JSON document larger than the limit of %zu bytes (use NDJSON, one "
                            "object per line, for large exports)",
                            cap);
        }
    }
    if (rc) {
        return rc;
    }
    *data = rd->buf + rd->pos;
    *len = rd->len - rd->pos;
    rd->pos = rd->len;
    return HD_OK;
}

int ing_reader_peek(struct ing_reader *rd, struct hd_err *err)
{
    size_t i = rd->pos;

    for (;;) {
        while (i < rd->len) {
            unsigned char ch = (unsigned char)rd->buf[i];
            if (i + 2 < rd->len + 0 && i == 0 && ch == 0xEF && (unsigned char)rd->buf[1] == 0xBB &&
                (unsigned char)rd->buf[2] == 0xBF) {
                i += 3;
                continue;
            }
            if (ch == '\0') {
                hd_err_set(err, HD_EINPUT, rd->path, 0,
                           "NUL byte at byte %llu: a binary file, not a text export",
                           (unsigned long long)(rd->bytes - (rd->len - i)));
                return -1;
            }
            if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') {
                return ch;
            }
            i++;
        }
        if (rd->eof) {
            return 0;
        }
        if (i - rd->pos > (rd->max_line ? rd->max_line : (size_t)16 << 20)) {
            hd_err_set(err, HD_EINPUT, rd->path, 0,
                       "only blank space in the first %zu bytes; is this a text export?",
                       i - rd->pos);
            return -1;
        }
        size_t added;
        size_t before = rd->pos;
        int rc = fill(rd, &added, err);
        if (rc) {
            return -1;
        }
        i -= before; /* fill() moved the unread part to the front */
    }
}
