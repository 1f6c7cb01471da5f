/* A small streaming JSON writer: keys and strings escaped, commas and
 * nesting tracked, numbers written exactly. Every JSON document vtepd
 * produces (CLI answers, --stats-json) goes through it.
 *
 *   struct json j;
 *   json_begin(&j, f);
 *   json_obj(&j, NULL);  json_u64(&j, "rx", 3);  json_arr(&j, "ports"); ...
 *   json_close(&j);  json_close(&j);  json_end(&j);
 *
 * Inside an object every value takes a key; inside an array keys are NULL. */
#ifndef VTEPD_JSON_WRITER_H
#define VTEPD_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
    FILE *f;
    int depth;
    bool has_item[JSON_MAX_DEPTH + 1];
    char closer[JSON_MAX_DEPTH + 1];
    bool after_key;         /* json_key() wrote a key: the value follows */
};

void json_begin(struct json *j, FILE *f);
/* Open an object / array as the value of key (NULL in arrays, at the top). */
void json_obj(struct json *j, const char *key);
void json_arr(struct json *j, const char *key);
/* Close the innermost object or array. */
void json_close(struct json *j);
/* Close everything still open and end the document with a newline. */
void json_end(struct json *j);

void json_str(struct json *j, const char *key, const char *val);
void json_strf(struct json *j, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void json_u64(struct json *j, const char *key, uint64_t val);
void json_i64(struct json *j, const char *key, int64_t val);
/* val with `decimals` digits after the point; NaN and infinities as null */
void json_dbl(struct json *j, const char *key, double val, int decimals);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* Write key: the next value written through j (an object, an array or a
 * scalar, keyless) is its value. For functions that write a value of
 * their own into a document the caller builds. */
void json_key(struct json *j, const char *key);

/* Write s as a JSON string literal (quotes included) to f. */
void json_quote(FILE *f, const char *s);

#endif
