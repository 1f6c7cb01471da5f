/* Prometheus text exposition format writer (see prom_text.h). */
#include <math.h>
#include <stdarg.h>

#include "prom_text.h"

static const char *type_name(enum prom_type t)
{
    switch (t) {
    case PROM_COUNTER: return "counter";
    case PROM_GAUGE: return "gauge";
    case PROM_HISTOGRAM: return "histogram";
    }
    return "untyped";
}

/* HELP text: backslash and newline are escaped (double quotes are not). */
static void help_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\')
            fputs("\\\\", f);
        else if (c == '\n')
            fputs("\\n", f);
        else
            fputc(c >= 0x20 && c < 0x7f ? c : '?', f);
    }
}

void prom_label_value(FILE *f, const char *s)
{
    if (!s)
        return;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\\')
            fputs("\\\\", f);
        else if (c == '"')
            fputs("\\\"", f);
        else if (c == '\n')
            fputs("\\n", f);
        else
            fputc(c >= 0x20 && c < 0x7f ? c : '?', f);
    }
}

void prom_family(FILE *f, const char *name, enum prom_type type, const char *help)
{
    fprintf(f, "# HELP %s ", name);
    help_text(f, help);
    fprintf(f, "\n# TYPE %s %s\n", name, type_name(type));
}

static void value_f64(FILE *f, double v)
{
    if (isnan(v))
        fputs("NaN", f);
    else if (isinf(v))
        fputs(v > 0 ? "+Inf" : "-Inf", f);
    else
        fprintf(f, "%.10g", v);
}

/* name{labels[,extra_key="extra"]} with the labels of ap; no braces when
 * there is no label at all. */
static void series(FILE *f, const char *name, const char *suffix, va_list ap,
                   const char *extra_key, const char *extra)
{
    const char *k;
    int n = 0;

    fputs(name, f);
    fputs(suffix, f);
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        if (!v)
            break;
        fprintf(f, "%c%s=\"", n++ ? ',' : '{', k);
        prom_label_value(f, v);
        fputc('"', f);
    }
    if (extra_key && extra) {
        fprintf(f, "%c%s=\"", n++ ? ',' : '{', extra_key);
        prom_label_value(f, extra);
        fputc('"', f);
    }
    if (n)
        fputc('}', f);
    fputc(' ', f);
}

void prom_u64(FILE *f, const char *name, uint64_t v, ...)
{
    va_list ap;

    va_start(ap, v);
    series(f, name, "", ap, NULL, NULL);
    va_end(ap);
    fprintf(f, "%llu\n", (unsigned long long)v);
}

void prom_f64(FILE *f, const char *name, double v, ...)
{
    va_list ap;

    va_start(ap, v);
    series(f, name, "", ap, NULL, NULL);
    va_end(ap);
    value_f64(f, v);
    fputc('\n', f);
}

void prom_histogram(FILE *f, const char *name, const struct prom_hist *h, ...)
{
    uint64_t cum = 0;
    char le[32];
    va_list ap;

    for (unsigned i = 0; i <= h->n; i++) {
        cum += h->count[i];
        if (i < h->n)
            snprintf(le, sizeof(le), "%.10g", h->le[i]);
        else
            snprintf(le, sizeof(le), "+Inf");
        va_start(ap, h);
        series(f, name, "_bucket", ap, "le", le);
        va_end(ap);
        fprintf(f, "%llu\n", (unsigned long long)cum);
    }
    va_start(ap, h);
    series(f, name, "_sum", ap, NULL, NULL);
    va_end(ap);
    value_f64(f, h->sum);
    fputc('\n', f);
    va_start(ap, h);
    series(f, name, "_count", ap, NULL, NULL);
    va_end(ap);
    fprintf(f, "%llu\n", (unsigned long long)cum);
}
