/* Streaming JSON writer (see json_writer.h). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include "json_writer.h"

void json_quote(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\t': fputs("\\t", f); break;
        case '\r': fputs("\\r", f); break;
        default:
            if (c < 0x20 || c == 0x7f)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

void json_begin(struct json *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->has_item[0] = false;
    j->after_key = false;
}

/* Separator, newline and indent (the first two levels), then the key. */
static void item(struct json *j, const char *key)
{
    if (j->after_key) {
        j->after_key = false;       /* the value of json_key()'s key */
        return;
    }
    if (j->depth > 0) {
        if (j->has_item[j->depth])
            fputc(',', j->f);
        if (j->depth <= 2) {
            fputc('\n', j->f);
            for (int i = 0; i < j->depth; i++)
                fputs("  ", j->f);
        } else if (j->has_item[j->depth]) {
            fputc(' ', j->f);
        }
    }
    j->has_item[j->depth] = true;
    if (key) {
        json_quote(j->f, key);
        fputs(": ", j->f);
    }
}

static void open_(struct json *j, const char *key, char open, char close)
{
    item(j, key);
    fputc(open, j->f);
    if (j->depth < JSON_MAX_DEPTH) {
        j->depth++;
        j->has_item[j->depth] = false;
        j->closer[j->depth] = close;
    }
}

void json_obj(struct json *j, const char *key)
{
    open_(j, key, '{', '}');
}

void json_arr(struct json *j, const char *key)
{
    open_(j, key, '[', ']');
}

void json_close(struct json *j)
{
    if (j->depth == 0)
        return;
    if (j->has_item[j->depth] && j->depth <= 2) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth - 1; i++)
            fputs("  ", j->f);
    }
    fputc(j->closer[j->depth], j->f);
    j->depth--;
}

void json_end(struct json *j)
{
    while (j->depth > 0)
        json_close(j);
    fputc('\n', j->f);
}

void json_str(struct json *j, const char *key, const char *val)
{
    item(j, key);
    json_quote(j->f, val);
}

void json_strf(struct json *j, const char *key, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_str(j, key, buf);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
    item(j, key);
    fprintf(j->f, "%llu", (unsigned long long)val);
}

void json_i64(struct json *j, const char *key, int64_t val)
{
    item(j, key);
    fprintf(j->f, "%lld", (long long)val);
}

void json_dbl(struct json *j, const char *key, double val, int decimals)
{
    item(j, key);
    if (isfinite(val))
        fprintf(j->f, "%.*f", decimals, val);
    else
        fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool val)
{
    item(j, key);
    fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
    item(j, key);
    fputs("null", j->f);
}

void json_key(struct json *j, const char *key)
{
    item(j, key);
    j->after_key = true;
}
