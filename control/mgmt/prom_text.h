/* Writing the Prometheus text exposition format (version 0.0.4): a family
 * header (HELP and TYPE) and then its samples, every sample of a family
 * right after its header. Label values are escaped (backslash, double
 * quote, newline) and made printable ASCII, so that a name that came from
 * outside (a BMP sysName, say) can never break the document. Pure C, no
 * DPDK: unit-tested on its own (tests/unit/test_prom_text.c). */
#ifndef VTEPD_PROM_TEXT_H
#define VTEPD_PROM_TEXT_H

#include <stdint.h>
#include <stdio.h>

enum prom_type { PROM_COUNTER, PROM_GAUGE, PROM_HISTOGRAM };

/* The content type of what these functions write. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help" and "# TYPE name type". */
void prom_family(FILE *f, const char *name, enum prom_type type, const char *help);

/* The end of a label list (a typed null pointer: a bare NULL in a
 * variadic call need not be one). */
#define PROM_END ((const char *)0)

/* One sample "name{k1="v1",...} value". The labels are (key, value)
 * string pairs ending with PROM_END; a null value ends them too. */
void prom_u64(FILE *f, const char *name, uint64_t v, ...) __attribute__((sentinel));
void prom_f64(FILE *f, const char *name, double v, ...) __attribute__((sentinel));

/* A histogram series (the family header written with PROM_HISTOGRAM):
 * n upper bounds le[0] < ... < le[n-1] (seconds, bytes...), and n+1
 * bucket counts where count[i] is the number of observations in
 * (le[i-1], le[i]] and count[n] those above le[n-1]. Writes the
 * cumulative name_bucket{...,le="..."} lines ending with le="+Inf",
 * name_sum and name_count, each with the labels given. */
struct prom_hist {
    unsigned n;
    const double *le;
    const uint64_t *count;
    double sum;
};
void prom_histogram(FILE *f, const char *name, const struct prom_hist *h, ...)
    __attribute__((sentinel));

/* Write s as a label value (without the quotes): \\, \" and \n escaped,
 * bytes outside printable ASCII written as '?'. */
void prom_label_value(FILE *f, const char *s);

#endif
