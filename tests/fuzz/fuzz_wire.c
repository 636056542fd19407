/* The wire decoders under fuzzing. Each input goes through every decoder
 * (value, graph, error, control, peek); whatever decodes must encode
 * again, and decoding that encoding and encoding once more must give the
 * same bytes (so the encoder and the decoder agree on every message the
 * decoder accepts). A disagreement aborts: libFuzzer reports it as a
 * crash.
 *
 * Built two ways:
 *   - with clang -fsanitize=fuzzer (scripts/fuzz.sh): libFuzzer's main;
 *   - with -DPAR_FUZZ_MAIN (the `core` test suite): a main() that
 *       fuzz_wire FILE...             replays files (crash reproducers);
 *       fuzz_wire --make-corpus DIR   writes the seed corpus into DIR;
 *       fuzz_wire --self-test         replays the seeds, every truncation
 *                                     of them, and random corruptions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "par.h"
#include "wire/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static void fail(const char *what)
{
        fprintf(stderr, "fuzz_wire: %s\n", what);
        abort();
}

static void same_bytes(const par__wbuf *a, const par__wbuf *b, const char *what)
{
        if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0)
                fail(what);
}

static void check_value(const uint8_t *data, size_t size)
{
        par_value *v = NULL, *v2 = NULL;
        par__wbuf e1 = {0}, e2 = {0};
        size_t used = 0;
        if (par__wire_decode_value(data, size, &used, &v, NULL) < 0)
                return;
        if (used > size || used < 16)
                fail("value: bad length consumed");
        if (par__wire_encode_value(&e1, v, NULL) < 0)
                fail("value: a decoded value does not encode");
        if (par__wire_decode_value(e1.data, e1.len, NULL, &v2, NULL) < 0)
                fail("value: an encoded value does not decode");
        if (par__wire_encode_value(&e2, v2, NULL) < 0)
                fail("value: a decoded value does not encode (2)");
        same_bytes(&e1, &e2, "value: encodings differ");
        par_value_release(v);
        par_value_release(v2);
        par__wbuf_free(&e1);
        par__wbuf_free(&e2);
}

static void check_graph(const uint8_t *data, size_t size)
{
        par_graph *g = NULL, *g2 = NULL;
        par__wbuf e1 = {0}, e2 = {0};
        if (par__wire_decode_graph(data, size, NULL, &g, NULL) < 0)
                return;
        if (par__wire_encode_graph(&e1, g, NULL) < 0)
                fail("graph: a decoded graph does not encode");
        if (par__wire_decode_graph(e1.data, e1.len, NULL, &g2, NULL) < 0)
                fail("graph: an encoded graph does not decode");
        if (par_graph_size(g) != par_graph_size(g2))
                fail("graph: task counts differ");
        if (par__wire_encode_graph(&e2, g2, NULL) < 0)
                fail("graph: a decoded graph does not encode (2)");
        same_bytes(&e1, &e2, "graph: encodings differ");
        par_graph_free(g);
        par_graph_free(g2);
        par__wbuf_free(&e1);
        par__wbuf_free(&e2);
}

static void check_error(const uint8_t *data, size_t size)
{
        char msg[64], msg2[64];
        int code, code2;
        par__wbuf e = {0};
        if (par__wire_decode_error(data, size, NULL, &code, msg, sizeof msg,
                                   NULL) < 0)
                return;
        if (code >= 0 || strlen(msg) >= sizeof msg)
                fail("error: bad code or message");
        if (par__wire_encode_error(&e, code, msg, NULL) < 0 ||
            par__wire_decode_error(e.data, e.len, NULL, &code2, msg2,
                                   sizeof msg2, NULL) < 0 ||
            code2 != code || strcmp(msg, msg2) != 0)
                fail("error: no round trip");
        par__wbuf_free(&e);
}

static void check_control(const uint8_t *data, size_t size)
{
        uint32_t op;
        par_value *arg = NULL;
        par__wbuf e = {0};
        if (par__wire_decode_control(data, size, NULL, &op, &arg, NULL) < 0)
                return;
        if (par__wire_encode_control(&e, op, arg, NULL) < 0)
                fail("control: a decoded message does not encode");
        par_value_release(arg);
        par__wbuf_free(&e);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        (void)argc;
        (void)argv;
        (void)par_op_lookup("par.bag.count"); /* registers the built-ins */
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        int kind;
        size_t total;
        if (par__wire_peek(data, size, &kind, &total, NULL) == 0 &&
            (kind < PAR__WIRE_VALUE || kind > PAR__WIRE_CONTROL || total < 16))
                fail("peek: bad kind or size");
        check_value(data, size);
        check_graph(data, size);
        check_error(data, size);
        check_control(data, size);
        return 0;
}

#ifdef PAR_FUZZ_MAIN

/* ---- seeds: valid messages of every kind ------------------------------------------ */

typedef void (*seed_fn)(const char *name, const par__wbuf *m, void *ud);

static void seed_values(seed_fn fn, void *ud)
{
        par__wbuf b = {0};
        par_value *s[8];
        s[0] = par_value_null();
        s[1] = par_value_bool(true);
        s[2] = par_value_int64(-42);
        s[3] = par_value_float64(-0.0);
        s[4] = par_value_cstring("in the beginning");
        s[5] = par_value_blob("\0\1\2\3", 4);
        s[6] = par_value_list(6, s);
        s[7] = par_value_list(1, &s[6]);
        for (int i = 0; i < 8; i++) {
                char name[32];
                snprintf(name, sizeof name, "value-%d", i);
                b.len = 0;
                if (par__wire_encode_value(&b, s[i], NULL) == 0)
                        fn(name, &b, ud);
        }
        int64_t iv[10] = {1, -2, 3, 4, 5, 6, 7, 8, 9, 10};
        double fv[10] = {0.5, -0.0, 1e300, 4, 5, 6, 7, 8, 9, 10};
        bool bv[10] = {true, false, true};
        const char *sv[10] = {"a", NULL, "", "bé", "x", "y", "z", NULL, "w", "v"};
        uint8_t valid[2] = {0xed, 0x02};
        par_value *cols[4] = {par_column_from_int64(iv, 10, valid),
                              par_column_from_float64(fv, 10, NULL),
                              par_column_from_bool(bv, 10, valid),
                              par_column_from_cstrings(sv, 10)};
        const char *names[4] = {"i", "f", "b", "s"};
        par_value *t = par_table_new(4, names, cols);
        b.len = 0;
        if (t && par__wire_encode_value(&b, t, NULL) == 0)
                fn("table", &b, ud);
        b.len = 0;
        if (par__wire_encode_value(&b, cols[3], NULL) == 0)
                fn("strings", &b, ud);
        par_value *nd = par_ndarray_from_buffer(fv, 5, 2, PAR_ROW_MAJOR);
        b.len = 0;
        if (nd && par__wire_encode_value(&b, nd, NULL) == 0)
                fn("ndarray", &b, ud);
        b.len = 0;
        if (par__wire_encode_error(&b, PAR_ETASK, "task ('x', 1) failed",
                                   NULL) == 0)
                fn("error", &b, ud);
        b.len = 0;
        if (par__wire_encode_control(&b, 3, s[7], NULL) == 0)
                fn("control", &b, ud);
        par_value_release(nd);
        par_value_release(t);
        for (int i = 0; i < 4; i++)
                par_value_release(cols[i]);
        for (int i = 0; i < 8; i++)
                par_value_release(s[i]);
        par__wbuf_free(&b);
}

static void seed_graph(const char *name, par_delayed *d, seed_fn fn, void *ud)
{
        par_graph *g = par_graph_new();
        par__wbuf b = {0};
        if (g && d && par_delayed_to_graph(d, g, NULL) == 0 &&
            par__wire_encode_graph(&b, g, NULL) == 0)
                fn(name, &b, ud);
        par_graph_free(g);
        par__wbuf_free(&b);
        par_delayed_release(d);
}

static void seed_graphs(seed_fn fn, void *ud)
{
        par_bag *r = NULL, *m = NULL;
        par_delayed *d = NULL;
        par_expr *e = par_add(par_mul(par_x(), par_int(3)), par_int(1));
        if (par_bag_range(100, 3, &r, NULL) == 0 &&
            par_bag_map(r, e, &m, NULL) == 0 &&
            par_bag_stat(m, PAR_STAT_SUM, NULL, &d, NULL) == 0)
                seed_graph("graph-bag", d, fn, ud);
        par_expr_release(e);
        par_bag_release(m);
        par_bag_release(r);

        int64_t a[6] = {1, 2, 3, 4, 5, 6};
        par_value *col = par_column_from_int64(a, 6, NULL);
        par_value *t = par_table_new(1, (const char *[]){"a"}, &col);
        par_frame *f = NULL, *f2 = NULL;
        par_expr *p = par_gt(par_col("a"), par_int(2));
        d = NULL;
        if (t && par_frame_from_tables(1, &t, &f, NULL) == 0 &&
            par_frame_filter(f, p, &f2, NULL) == 0 &&
            par_frame_stat(f2, "a", PAR_STAT_MEAN, &d, NULL) == 0)
                seed_graph("graph-frame", d, fn, ud);
        par_expr_release(p);
        par_frame_release(f2);
        par_frame_release(f);
        par_value_release(t);
        par_value_release(col);

        double x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        par_array *arr = NULL, *s = NULL;
        d = NULL;
        if (par_array_from_buffer(x, 4, 2, 3, PAR_ROW_MAJOR, &arr, NULL) == 0 &&
            par_array_reduce(arr, PAR_STAT_SUM, 0, NULL, &s, NULL) == 0 &&
            par_array_chunk(s, 0, &d, NULL) == 0)
                seed_graph("graph-array", d, fn, ud);
        par_array_release(s);
        par_array_release(arr);
}

static void make_seeds(seed_fn fn, void *ud)
{
        LLVMFuzzerInitialize(NULL, NULL);
        seed_values(fn, ud);
        seed_graphs(fn, ud);
}

/* ---- the modes ------------------------------------------------------------------- */

static void write_seed(const char *name, const par__wbuf *m, void *ud)
{
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", (const char *)ud, name);
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(m->data, 1, m->len, f) != m->len || fclose(f) != 0) {
                fprintf(stderr, "fuzz_wire: %s: %s\n", path, strerror(errno));
                exit(1);
        }
}

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint64_t rnd(void)
{
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return rng;
}

static int nseeds;

static void replay_seed(const char *name, const par__wbuf *m, void *ud)
{
        (void)ud;
        (void)name;
        nseeds++;
        uint8_t *copy = malloc(m->len);
        LLVMFuzzerTestOneInput(m->data, m->len);
        for (size_t k = 0; k < m->len; k++)
                LLVMFuzzerTestOneInput(m->data, k);
        for (int r = 0; r < 300; r++) {
                memcpy(copy, m->data, m->len);
                for (int f = 1 + (int)(rnd() % 3); f > 0; f--)
                        copy[rnd() % m->len] = (uint8_t)rnd();
                LLVMFuzzerTestOneInput(copy, m->len);
        }
        free(copy);
}

static int replay_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "fuzz_wire: %s: %s\n", path, strerror(errno));
                return 1;
        }
        size_t cap = 1 << 16, n = 0;
        uint8_t *buf = malloc(cap);
        size_t got;
        while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
                n += got;
                if (n == cap)
                        buf = realloc(buf, cap *= 2);
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
        return 0;
}

int main(int argc, char **argv)
{
        if (argc == 3 && strcmp(argv[1], "--make-corpus") == 0) {
                make_seeds(write_seed, argv[2]);
                return 0;
        }
        if (argc == 2 && strcmp(argv[1], "--self-test") == 0) {
                make_seeds(replay_seed, NULL);
                printf("fuzz_wire: %d seeds replayed with every truncation and "
                       "300 corruptions each\n", nseeds);
                return nseeds >= 12 ? 0 : 1;
        }
        if (argc < 2) {
                fprintf(stderr, "usage: fuzz_wire FILE... | --make-corpus DIR | "
                        "--self-test\n");
                return 2;
        }
        LLVMFuzzerInitialize(&argc, &argv);
        int rc = 0;
        for (int i = 1; i < argc; i++)
                rc |= replay_file(argv[i]);
        return rc;
}
#endif
