/* Expressions and columns: every operator against the same computation in
 * C, type rules (int stays int, / gives float, mixing gives float), null
 * propagation, string functions, casts, formatting, and the encoding's
 * round trip and its rejection of malformed bytes. */
#include <math.h>

#include "check.h"
#include "par.h"

static par_value *eval(const par_expr *e, const par_value *part)
{
        par_value *out = NULL;
        par_error err = {0};
        if (par_expr_eval(e, part, &out, &err) < 0)
                fprintf(stderr, "eval: %s\n", err.message);
        return out;
}

int main(void)
{
        par_error err = {0};
        enum { N = 1000 };
        double a[N];
        int64_t k[N];
        for (int i = 0; i < N; i++) {
                a[i] = (i - 500) * 0.37;
                k[i] = (i * 37) % 101 - 50;
        }
        uint8_t valid[(N + 7) / 8];
        memset(valid, 0xff, sizeof valid);
        valid[0] &= (uint8_t)~2; /* row 1 of k is null */
        par_value *ca = par_column_from_float64(a, N, NULL);
        par_value *ck = par_column_from_int64(k, N, valid);
        CHECK(par_column_null_count(ck) == 1 && !par_column_is_valid(ck, 1));
        par_value *t = par_table_new(2, (const char *[]){"a", "k"},
                                     (par_value *[]){ca, ck});
        CHECK(t && par_table_length(t) == N && par_table_find(t, "k") == 1);

        /* The talk's b = 4*a + 3, exactly as C computes it. */
        par_expr *e = par_add(par_mul(par_int(4), par_col("a")), par_int(3));
        par_value *b = eval(e, t);
        CHECK(par_column_dtype(b) == PAR_DTYPE_FLOAT64);
        int ok = 0;
        for (int i = 0; i < N; i++)
                ok += par_column_float64(b)[i] == 4 * a[i] + 3;
        CHECK(ok == N);
        char buf[128];
        par_expr_format(e, buf, sizeof buf);
        CHECK_MSG(strcmp(buf, "4 * a + 3") == 0, "%s", buf);
        par_value_release(b);

        /* Round trip through the encoding gives the same results. */
        par_value *blob = par_expr_encode(e);
        size_t len;
        const char *bytes = par_value_bytes(blob, &len);
        par_expr *e2 = NULL;
        CHECK_OK(par_expr_decode(bytes, len, &e2, &err), &err);
        par_expr_format(e2, buf, sizeof buf);
        CHECK(strcmp(buf, "4 * a + 3") == 0);
        /* Every truncation and a corrupted byte are rejected cleanly. */
        int rejected = 0;
        for (size_t cut = 0; cut < len; cut++) {
                par_expr *x = NULL;
                rejected += par_expr_decode(bytes, cut, &x, &err) == PAR_EPARSE && !x;
        }
        CHECK(rejected == (int)len);
        char *bad = malloc(len);
        memcpy(bad, bytes, len);
        bad[4] = 99;
        par_expr *x = NULL;
        CHECK(par_expr_decode(bad, len, &x, &err) == PAR_EPARSE && !x);
        CHECK(strstr(err.message, "unknown node kind 99") != NULL);
        bad[3] = 7;
        CHECK(par_expr_decode(bad, len, &x, &err) == PAR_EPARSE);
        CHECK(strstr(err.message, "version 7") != NULL);
        free(bad);
        par_value_release(blob);
        par_expr_release(e2);
        par_expr_release(e);

        /* Integer arithmetic stays int64; / is float; % follows Python. */
        e = par_mod(par_col("k"), par_int(7));
        b = eval(e, t);
        CHECK(par_column_dtype(b) == PAR_DTYPE_INT64);
        ok = 0;
        for (int i = 0; i < N; i++) {
                int64_t r = k[i] % 7;
                if (r < 0)
                        r += 7;
                ok += i == 1 || par_column_int64(b)[i] == r;
        }
        CHECK(ok == N && !par_column_is_valid(b, 1) && par_column_null_count(b) == 1);
        par_value_release(b);
        par_expr_release(e);
        e = par_div(par_col("k"), par_int(2));
        b = eval(e, t);
        CHECK(par_column_dtype(b) == PAR_DTYPE_FLOAT64 &&
              par_column_float64(b)[0] == k[0] / 2.0);
        par_value_release(b);
        par_expr_release(e);

        /* Comparisons and logic give bools, nulls propagate. */
        e = par_and(par_gt(par_col("a"), par_float(0)), par_le(par_col("k"), par_int(10)));
        b = eval(e, t);
        ok = 0;
        for (int i = 0; i < N; i++)
                ok += i == 1 || par_column_bool(b)[i] == (a[i] > 0 && k[i] <= 10);
        CHECK(ok == N && par_column_dtype(b) == PAR_DTYPE_BOOL &&
              !par_column_is_valid(b, 1));
        par_value_release(b);
        par_expr_release(e);

        /* Math and casts. */
        e = par_call("sqrt", 1, (par_expr *[]){par_call("abs", 1, (par_expr *[]){par_col("a")})});
        b = eval(e, t);
        CHECK(par_column_float64(b)[3] == sqrt(fabs(a[3])));
        par_value_release(b);
        par_expr_release(e);
        e = par_call("string", 1, (par_expr *[]){par_col("a")});
        b = eval(e, t);
        const char *s = par_column_string(b, 0, &len);
        CHECK(len == 6 && memcmp(s, "-185.0", 6) == 0);
        s = par_column_string(b, 1, &len);
        CHECK(strtod(s, NULL) == a[1]);
        par_value_release(b);
        par_expr_release(e);

        /* Strings. */
        const char *words[] = {"  God said  ", "let there", "BE light", NULL, ""};
        par_value *cs = par_column_from_cstrings(words, 5);
        CHECK(par_column_null_count(cs) == 1);
        e = par_upper(par_strip(par_x()));
        b = eval(e, cs);
        s = par_column_string(b, 0, &len);
        CHECK(len == 8 && memcmp(s, "GOD SAID", 8) == 0);
        CHECK(!par_column_is_valid(b, 3));
        par_value_release(b);
        par_expr_release(e);
        e = par_or(par_contains(par_x(), "God"), par_startswith(par_x(), "BE"));
        b = eval(e, cs);
        CHECK(par_column_bool(b)[0] && !par_column_bool(b)[1] && par_column_bool(b)[2]);
        par_value_release(b);
        par_expr_release(e);
        e = par_call("len", 1, (par_expr *[]){par_x()});
        b = eval(e, cs);
        CHECK(par_column_int64(b)[1] == 9 && par_column_int64(b)[4] == 0);
        par_value_release(b);
        par_expr_release(e);
        e = par_eq(par_x(), par_str("let there"));
        b = eval(e, cs);
        CHECK(!par_column_bool(b)[0] && par_column_bool(b)[1]);
        par_value_release(b);
        par_expr_release(e);

        /* Errors name what is wrong. */
        e = par_col("zz");
        CHECK(par_expr_eval(e, t, &b, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "no column 'zz'") && strstr(err.message, "'a', 'k'"));
        par_expr_release(e);
        e = par_add(par_col("a"), par_str("x"));
        CHECK(par_expr_eval(e, t, &b, &err) == PAR_ETYPE);
        CHECK(strstr(err.message, "+ does not apply to float64 and string"));
        par_expr_release(e);
        e = par_call("frobnicate", 1, (par_expr *[]){par_x()});
        CHECK(par_expr_check(e, &err) == PAR_EINVAL);
        CHECK(strstr(err.message, "unknown expression function 'frobnicate'"));
        par_expr_release(e);
        e = par_call("contains", 2, (par_expr *[]){par_x(), par_x()});
        CHECK(par_expr_check(e, &err) == PAR_EINVAL);
        par_expr_release(e);
        e = par_call("int64", 1, (par_expr *[]){par_x()});
        const char *nums[] = {"12", "x7"};
        par_value *cn = par_column_from_cstrings(nums, 2);
        CHECK(par_expr_eval(e, cn, &b, &err) == PAR_EPARSE);
        CHECK(strstr(err.message, "'x7' (row 1) is not a valid int64"));
        par_expr_release(e);
        par_value_release(cn);
        /* NULL operands make NULL, freeing the rest. */
        CHECK(par_add(par_int(1), NULL) == NULL);
        CHECK(par_table_new(2, (const char *[]){"a", "b"},
                            (par_value *[]){ca, cs}) == NULL); /* lengths differ */

        par_value_release(cs);
        par_value_release(t);
        par_value_release(ca);
        par_value_release(ck);
        return check_done("test_expr");
}
