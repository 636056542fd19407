/* Array dtypes (float64, float32, int64, bool) against NumPy: NumPy's
 * promotion of every pair of dtypes under each operator and with Python
 * float scalars, the unary functions' result dtypes, int64 wraparound,
 * floor division and remainder with negative numbers and zero, the
 * comparisons' bool results, the reductions' dtypes and values, astype's
 * edge cases, slicing/transpose/rechunk/persist keeping the dtype, typed
 * creation; and in plain C: raw files round-tripped bit for bit for each
 * dtype, the accessors, the summary line, the errors.
 *
 * The test writes its inputs as raw files of their dtypes to a temporary
 * folder with a line per case (inputs, a NumPy expression for the dtype,
 * one for the values), runs tests/array_dtype_ref.py once with
 * /usr/bin/python3, and checks each computed array: its dtype (known
 * before computing, and the chunk's) is NumPy's (par has no int8 or
 * float16: int64 and float64 where NumPy gives those for bools, as
 * documented), its shape NumPy's, and its values: int64 and bool equal,
 * float64 equal (or within the case's relative tolerance where sums add
 * in another order), float32 within the case's units in the last place
 * (0 for + - * / and data movement, which par rounds exactly as NumPy
 * does; 1 where libm's double functions rounded to float may differ from
 * NumPy's float loops). float32 sums and means are compared with the
 * float64 sum rounded to float32, which is what par computes (NumPy's
 * float32 pairwise sums carry more error): the dtype is still NumPy's.
 * Each case runs on the pool and on the serial executor. */
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend_harness.h"
#include "check.h"
#include "numpy_ref.h"
#include "par.h"

enum { R = 203, C = 3, CH = 17 };

static int64_t I[R * C], J[R * C], P[R * C], K[R * C];
static float F[R * C], G[R * C];
static double D[R * C], E[R * C];
static uint8_t B[R * C];

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

static double uniform(void)
{
        return (double)(next() >> 11) * 0x1.0p-53;
}

/* ---- reference cases ------------------------------------------------------------ */

typedef struct ref_case {
        char name[48];
        par_array *a;
        double tol; /* float64: relative; float32: ulps */
} ref_case;

static ref_case cases[1024];
static int ncases;

static void write_file(const char *name, const void *p, size_t bytes)
{
        nref_write(name, p, bytes);
}

#define IN_ALL                                                              \
        "b=b.bin:bool:2:203:3,i=i.bin:int64:2:203:3,j=j.bin:int64:2:203:3," \
        "p=p.bin:int64:2:203:3,f=f.bin:float32:2:203:3,"                    \
        "g=g.bin:float32:2:203:3,d=d.bin:float64:2:203:3,"                  \
        "e=e.bin:float64:2:203:3,k=k.bin:int64:2:203:3"

/* Records a case: the lazy array (taken), NumPy's expression for the
 * dtype and one for the values ("-": the same). */
static void add_case(const char *name, par_array *a, const char *dexpr,
                     const char *vexpr, double tol)
{
        CHECK_MSG(a != NULL, "case %s has no array", name);
        if (!a || ncases == (int)(sizeof cases / sizeof cases[0])) {
                par_array_release(a);
                return;
        }
        ref_case *k = &cases[ncases++];
        snprintf(k->name, sizeof k->name, "%s", name);
        k->a = a;
        k->tol = tol;
        fprintf(nref_spec, "%s\t%s\t%s\t%s\n", name, IN_ALL, dexpr, vexpr ? vexpr : "-");
}

static par_dtype dtype_of(const char *s)
{
        return strcmp(s, "float64") == 0   ? PAR_DTYPE_FLOAT64
               : strcmp(s, "float32") == 0 ? PAR_DTYPE_FLOAT32
               : strcmp(s, "int64") == 0   ? PAR_DTYPE_INT64
               : strcmp(s, "bool") == 0    ? PAR_DTYPE_BOOL
                                           : PAR_DTYPE_NONE;
}

static size_t dsize(par_dtype t)
{
        return t == PAR_DTYPE_BOOL ? 1 : t == PAR_DTYPE_FLOAT32 ? 4 : 8;
}

static void *read_ref(const char *name, par_dtype *dt, int *ndim, int64_t *rows,
                      int64_t *cols)
{
        char rest[256], npdt[32], pardt[32];
        if (!nref_index(name, rest, sizeof rest) ||
            sscanf(rest, "%31s %31s %d %" SCNd64 " %" SCNd64, npdt, pardt, ndim, rows,
                   cols) != 5)
                return NULL;
        *dt = dtype_of(pardt);
        return nref_answer(name, dsize(*dt), (size_t)(*rows * *cols));
}

/* The distance in units in the last place between two floats. */
static int64_t ulps(float a, float b)
{
        int32_t x, y;
        memcpy(&x, &a, 4);
        memcpy(&y, &b, 4);
        int64_t ox = x < 0 ? (int64_t)INT32_MIN - x : x;
        int64_t oy = y < 0 ? (int64_t)INT32_MIN - y : y;
        return ox > oy ? ox - oy : oy - ox;
}

static bool same(par_dtype t, const void *g, const void *w, size_t k, double tol)
{
        switch (t) {
        case PAR_DTYPE_BOOL: return ((const uint8_t *)g)[k] == ((const uint8_t *)w)[k];
        case PAR_DTYPE_INT64: return ((const int64_t *)g)[k] == ((const int64_t *)w)[k];
        case PAR_DTYPE_FLOAT32: {
                float x = ((const float *)g)[k], y = ((const float *)w)[k];
                if (isnan(x) || isnan(y))
                        return isnan(x) && isnan(y);
                return x == y || ulps(x, y) <= (int64_t)tol;
        }
        default: {
                double x = ((const double *)g)[k], y = ((const double *)w)[k];
                if (isnan(x) || isnan(y))
                        return isnan(x) && isnan(y);
                if (isinf(x) || isinf(y))
                        return x == y;
                return fabs(x - y) <= tol * fabs(y);
        }
        }
}

static double as_double(par_dtype t, const void *p, size_t k)
{
        switch (t) {
        case PAR_DTYPE_BOOL: return ((const uint8_t *)p)[k];
        case PAR_DTYPE_INT64: return (double)((const int64_t *)p)[k];
        case PAR_DTYPE_FLOAT32: return ((const float *)p)[k];
        default: return ((const double *)p)[k];
        }
}

static void compare_case(par_client *c, const ref_case *k)
{
        int ndim;
        int64_t rows, cols;
        par_dtype dt = PAR_DTYPE_NONE;
        void *want = read_ref(k->name, &dt, &ndim, &rows, &cols);
        CHECK_MSG(want != NULL, "no NumPy reference for %s", k->name);
        if (!want)
                return;
        CHECK_MSG(par_array_dtype(k->a) == dt, "%s: dtype %s; NumPy (par) %s", k->name,
                  par_dtype_name(par_array_dtype(k->a)), par_dtype_name(dt));
        par_error err = {0};
        par_value *v = NULL;
        int rc = par_array_compute(c, k->a, &v, &err);
        CHECK_MSG(rc == 0, "%s: %s", k->name, err.message);
        if (rc == 0 && par_ndarray_dtype(v) == dt && par_ndarray_ndim(v) == ndim &&
            par_ndarray_rows(v) == rows && par_ndarray_cols(v) == cols) {
                size_t n = (size_t)(rows * cols);
                void *got = malloc((n ? n : 1) * dsize(dt));
                CHECK_OK(par_ndarray_copy_raw(v, PAR_ROW_MAJOR, got, &err), &err);
                int bad = 0;
                for (size_t i = 0; i < n; i++)
                        if (!same(dt, got, want, i, k->tol) && bad++ < 3)
                                fprintf(stderr, "%s[%zu] = %.17g; NumPy %.17g\n", k->name, i,
                                        as_double(dt, got, i), as_double(dt, want, i));
                CHECK_MSG(bad == 0, "%s: %d elements differ", k->name, bad);
                free(got);
        } else if (rc == 0) {
                CHECK_MSG(false,
                          "%s: chunk %s %d-d %" PRId64 " x %" PRId64 "; NumPy %s %d-d %" PRId64
                          " x %" PRId64,
                          k->name, par_dtype_name(par_ndarray_dtype(v)), par_ndarray_ndim(v),
                          par_ndarray_rows(v), par_ndarray_cols(v), par_dtype_name(dt), ndim,
                          rows, cols);
        }
        par_value_release(v);
        free(want);
}

/* ---- the inputs --------------------------------------------------------------------- */

static par_array *ab, *ai, *aj, *ap, *af, *ag, *ad, *ae, *ak;

static par_array *typed(const void *data, par_dtype t, int64_t ch)
{
        par_error err = {0};
        par_array *a = NULL;
        CHECK_OK(par_array_from_typed(data, t, 2, (int64_t[]){R, C}, ch, PAR_ROW_MAJOR, &a,
                                      &err),
                 &err);
        return a;
}

static void make_data(void)
{
        for (int k = 0; k < R * C; k++) {
                I[k] = (int64_t)(next() % 2001) - 1000;
                J[k] = (int64_t)(next() % 15) - 7; /* zeros and negatives */
                P[k] = (int64_t)(next() % 6);
                F[k] = (float)((uniform() - 0.5) * 200.0);
                G[k] = (float)((uniform() - 0.3) * 10.0);
                D[k] = (uniform() - 0.5) * 2000.0;
                E[k] = (uniform() - 0.5) * 10.0;
                B[k] = next() % 3 == 0;
        }
        /* Wraparound: the extremes of int64 meet -1, 1 and themselves. */
        I[0] = INT64_MAX;
        I[1] = INT64_MIN;
        I[2] = INT64_MAX - 1;
        I[3] = INT64_MIN + 1;
        I[4] = (int64_t)1 << 62;
        I[5] = 0;
        J[1] = -1; /* INT64_MIN // -1 */
        J[0] = 2;
        F[7] = -0.0f;
        F[8] = 1e-30f;
        G[9] = 0.0f;
        E[0] = NAN;
        E[1] = INFINITY;
        E[2] = -INFINITY;
        E[3] = -0.0;
        E[4] = 0.0;
        D[5] = -2.5; /* truncation toward zero */
        D[6] = 2.999999;
        for (int k = 0; k < R * C; k++)
                K[k] = J[k] ? J[k] : 1; /* no zeros */
        write_file("k.bin", K, sizeof K);
        write_file("b.bin", B, sizeof B);
        write_file("i.bin", I, sizeof I);
        write_file("j.bin", J, sizeof J);
        write_file("p.bin", P, sizeof P);
        write_file("f.bin", F, sizeof F);
        write_file("g.bin", G, sizeof G);
        write_file("d.bin", D, sizeof D);
        write_file("e.bin", E, sizeof E);
        ab = typed(B, PAR_DTYPE_BOOL, CH);
        ai = typed(I, PAR_DTYPE_INT64, CH);
        aj = typed(J, PAR_DTYPE_INT64, 50); /* chunked unlike the others */
        ap = typed(P, PAR_DTYPE_INT64, CH);
        af = typed(F, PAR_DTYPE_FLOAT32, CH);
        ag = typed(G, PAR_DTYPE_FLOAT32, CH);
        ad = typed(D, PAR_DTYPE_FLOAT64, CH);
        ae = typed(E, PAR_DTYPE_FLOAT64, CH);
        ak = typed(K, PAR_DTYPE_INT64, CH);
}

/* ---- the cases ---------------------------------------------------------------------- */

typedef struct var {
        const char *name;
        par_array **a;
} var;

static const var vars[] = {{"b", &ab}, {"i", &ai}, {"f", &af}, {"d", &ad}};
enum { NVARS = sizeof vars / sizeof vars[0] };

static const struct {
        par_array_binop op;
        const char *np;
        int f32_ulps;
} binops[] = {
        {PAR_ARRAY_ADD, "add", 0},           {PAR_ARRAY_SUB, "subtract", 0},
        {PAR_ARRAY_MUL, "multiply", 0},      {PAR_ARRAY_DIV, "true_divide", 0},
        {PAR_ARRAY_FLOOR_DIVIDE, "floor_divide", 1},
        {PAR_ARRAY_MOD, "remainder", 1},     {PAR_ARRAY_MINIMUM, "minimum", 0},
        {PAR_ARRAY_MAXIMUM, "maximum", 0},   {PAR_ARRAY_EQ, "equal", 0},
        {PAR_ARRAY_LT, "less", 0},           {PAR_ARRAY_GE, "greater_equal", 0},
        {PAR_ARRAY_AND, "logical_and", 0},   {PAR_ARRAY_XOR, "logical_xor", 0},
        {PAR_ARRAY_POW, "power", 1},
};

static double tol_for(par_array *a, int f32_ulps, double rel)
{
        return par_array_dtype(a) == PAR_DTYPE_FLOAT32 ? f32_ulps : rel;
}

static void binary_cases(void)
{
        char name[48], ex[160];
        par_error err = {0};
        for (size_t o = 0; o < sizeof binops / sizeof binops[0]; o++)
                for (int x = 0; x < NVARS; x++)
                        for (int y = 0; y < NVARS; y++) {
                                par_array *r = NULL;
                                /* integer powers: exponents from p, not i */
                                bool pw = binops[o].op == PAR_ARRAY_POW;
                                par_array *rhs = pw && y == 1 ? ap : *vars[y].a;
                                const char *rn = pw && y == 1 ? "p" : vars[y].name;
                                int rc = par_array_binary(binops[o].op, *vars[x].a, rhs, &r,
                                                          &err);
                                if (binops[o].op == PAR_ARRAY_SUB && x == 0 && y == 0) {
                                        CHECK(rc == PAR_ETYPE && r == NULL);
                                        CHECK(strstr(err.message, "bool") != NULL);
                                        continue;
                                }
                                CHECK_MSG(rc == 0, "%s %s %s: %s", binops[o].np,
                                          vars[x].name, rn, err.message);
                                snprintf(name, sizeof name, "%s_%s_%s", binops[o].np,
                                         vars[x].name, rn);
                                snprintf(ex, sizeof ex, "np.%s(%s, %s)", binops[o].np,
                                         vars[x].name, rn);
                                add_case(name, r, ex, NULL,
                                         tol_for(r, binops[o].f32_ulps, pw ? 1e-15 : 0));
                        }
        /* Python float scalars on either side (NEP 50: weak). */
        static const struct {
                par_array_binop op;
                const char *np;
        } sops[] = {{PAR_ARRAY_ADD, "add"},
                    {PAR_ARRAY_MUL, "multiply"},
                    {PAR_ARRAY_DIV, "true_divide"},
                    {PAR_ARRAY_LT, "less"},
                    {PAR_ARRAY_FLOOR_DIVIDE, "floor_divide"},
                    {PAR_ARRAY_MOD, "remainder"}};
        const double svals[2] = {2.5, 0.1};
        for (size_t o = 0; o < sizeof sops / sizeof sops[0]; o++)
                for (int x = 0; x < NVARS; x++)
                        for (int sv = 0; sv < 2; sv++)
                                for (int left = 0; left < 2; left++) {
                                        par_array *r = NULL;
                                        double s = svals[sv];
                                        CHECK_OK(left ? par_array_scalar_binary(sops[o].op, s,
                                                                                *vars[x].a, &r,
                                                                                &err)
                                                      : par_array_binary_scalar(sops[o].op,
                                                                                *vars[x].a, s,
                                                                                &r, &err),
                                                 &err);
                                        snprintf(name, sizeof name, "%s_%s_s%d%s", sops[o].np,
                                                 vars[x].name, sv, left ? "l" : "r");
                                        if (left)
                                                snprintf(ex, sizeof ex, "np.%s(%.17g, %s)",
                                                         sops[o].np, s, vars[x].name);
                                        else
                                                snprintf(ex, sizeof ex, "np.%s(%s, %.17g)",
                                                         sops[o].np, vars[x].name, s);
                                        int u = sops[o].op == PAR_ARRAY_FLOOR_DIVIDE ||
                                                sops[o].op == PAR_ARRAY_MOD;
                                        add_case(name, r, ex, NULL, tol_for(r, u, 0));
                                }
}

static par_array *bin(par_array_binop op, par_array *a, par_array *b)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_binary(op, a, b, &o, &err), &err);
        return o;
}

static par_array *cast(par_array *a, par_dtype t)
{
        par_error err = {0};
        par_array *o = NULL;
        CHECK_OK(par_array_astype(a, t, &o, &err), &err);
        return o;
}

static void unary_cases(void)
{
        static const struct {
                par_array_fn fn;
                const char *np;
                int f32_ulps;
                double rel;
        } fns[] = {
                {PAR_ARRAY_NEG, "negative", 0, 0},     {PAR_ARRAY_ABS, "absolute", 0, 0},
                {PAR_ARRAY_SQRT, "sqrt", 0, 0},        {PAR_ARRAY_SQUARE, "square", 0, 0},
                {PAR_ARRAY_EXP, "exp", 1, 1e-15},      {PAR_ARRAY_LOG, "log", 1, 1e-15},
                {PAR_ARRAY_SIN, "sin", 1, 1e-15},      {PAR_ARRAY_TANH, "tanh", 1, 1e-15},
                {PAR_ARRAY_FLOOR, "floor", 0, 0},      {PAR_ARRAY_RINT, "rint", 0, 0},
                {PAR_ARRAY_SIGN, "sign", 0, 0},        {PAR_ARRAY_ISNAN, "isnan", 0, 0},
                {PAR_ARRAY_ISFINITE, "isfinite", 0, 0}, {PAR_ARRAY_NOT, "logical_not", 0, 0},
                {PAR_ARRAY_RECIPROCAL, "reciprocal", 0, 0},
        };
        char name[48], ex[160];
        par_error err = {0};
        static const var uvars[] = {{"b", &ab}, {"i", &ai}, {"f", &af}, {"d", &ad},
                                    {"e", &ae}, {"j", &aj}, {"k", &ak}};
        for (size_t o = 0; o < sizeof fns / sizeof fns[0]; o++)
                for (size_t x = 0; x < sizeof uvars / sizeof uvars[0]; x++) {
                        par_array *a = *uvars[x].a;
                        bool boolean = a == ab;
                        par_array *r = NULL;
                        int rc = par_array_unary(fns[o].fn, a, &r, &err);
                        if (boolean && (fns[o].fn == PAR_ARRAY_NEG ||
                                        fns[o].fn == PAR_ARRAY_SIGN)) {
                                CHECK(rc == PAR_ETYPE && r == NULL); /* as NumPy */
                                continue;
                        }
                        /* NumPy's integer reciprocal of 0 is undefined (k has no
                         * zeros); of bools int8 */
                        if (fns[o].fn == PAR_ARRAY_RECIPROCAL &&
                            (boolean || a == aj || a == ai)) {
                                par_array_release(r);
                                continue;
                        }
                        CHECK_MSG(rc == 0, "%s %s: %s", fns[o].np, uvars[x].name, err.message);
                        snprintf(name, sizeof name, "%s_%s", fns[o].np, uvars[x].name);
                        snprintf(ex, sizeof ex, "np.%s(%s)", fns[o].np, uvars[x].name);
                        /* float32 values: the correctly rounded result (NumPy's
                         * SIMD float32 loops may be a few ulps off it). */
                        char vex[160];
                        snprintf(vex, sizeof vex, "np.%s(%s.astype(np.float64)).astype(np.float32)",
                                 fns[o].np, uvars[x].name);
                        add_case(name, r, ex, a == af && fns[o].f32_ulps ? vex : NULL,
                                 tol_for(r, fns[o].f32_ulps, fns[o].rel));
                }
        /* int64 semantics: wraparound, floor division and remainder with
         * negative numbers and zero, powers; fused into one expression. */
        add_case("floordiv_ij", bin(PAR_ARRAY_FLOOR_DIVIDE, ai, aj), "i // j", NULL, 0);
        add_case("mod_ij", bin(PAR_ARRAY_MOD, ai, aj), "i % j", NULL, 0);
        add_case("floordiv_ji", bin(PAR_ARRAY_FLOOR_DIVIDE, aj, ai), "j // i", NULL, 0);
        add_case("mod_ji", bin(PAR_ARRAY_MOD, aj, ai), "j % i", NULL, 0);
        add_case("mul_ii", bin(PAR_ARRAY_MUL, ai, ai), "i * i", NULL, 0);
        add_case("pow_ip", bin(PAR_ARRAY_POW, ai, ap), "i ** p", NULL, 0);
        add_case("pow_jp", bin(PAR_ARRAY_POW, aj, ap), "j ** p", NULL, 0);
        par_array *s = bin(PAR_ARRAY_ADD, ai, ak);
        par_array *m = bin(PAR_ARRAY_MUL, s, ai);
        par_array *fused = bin(PAR_ARRAY_SUB, m, ak);
        /* One layer of one task per chunk over i's and k's chunks. */
        int64_t want = par_array_ntasks(ai) + par_array_ntasks(ak) + par_array_nchunks(ai);
        CHECK_MSG(par_array_ntasks(fused) == want, "fused: %" PRId64 " tasks; expected %" PRId64,
                  par_array_ntasks(fused), want);
        add_case("fused_int", fused, "(i + k) * i - k", NULL, 0);
        par_array_release(s);
        par_array_release(m);
        s = bin(PAR_ARRAY_ADD, ai, aj); /* j chunked otherwise: rechunked */
        add_case("mixed_chunks_int", bin(PAR_ARRAY_MUL, s, aj), "(i + j) * j", NULL, 0);
        par_array_release(s);
        /* float32 chains round after every operation, as NumPy. */
        par_array *fg = bin(PAR_ARRAY_MUL, af, ag);
        par_array *fgf = bin(PAR_ARRAY_ADD, fg, af);
        add_case("f32_chain", bin(PAR_ARRAY_DIV, fgf, ag), "(f * g + f) / g", NULL, 0);
        par_array_release(fg);
        par_array_release(fgf);
        /* where: cond to bool, the others promoted. */
        par_array *w = NULL;
        CHECK_OK(par_array_where(ab, ai, af, &w, &err), &err);
        add_case("where_b_i_f", w, "np.where(b, i, f)", NULL, 0);
        CHECK_OK(par_array_where(aj, ai, ab, &w, &err), &err);
        add_case("where_j_i_b", w, "np.where(j, i, b)", NULL, 0);
        CHECK_OK(par_array_where(ae, af, ag, &w, &err), &err);
        add_case("where_e_f_g", w, "np.where(e, f, g)", NULL, 0);
}

static void astype_cases(void)
{
        static const struct {
                par_array **a;
                const char *v;
                par_dtype t;
                const char *np;
        } cs[] = {
                {&ad, "d", PAR_DTYPE_INT64, "int64"},   {&ad, "d", PAR_DTYPE_BOOL, "bool_"},
                {&ad, "d", PAR_DTYPE_FLOAT32, "float32"}, {&ai, "i", PAR_DTYPE_FLOAT32, "float32"},
                {&ai, "i", PAR_DTYPE_FLOAT64, "float64"}, {&ai, "i", PAR_DTYPE_BOOL, "bool_"},
                {&ab, "b", PAR_DTYPE_FLOAT32, "float32"}, {&ab, "b", PAR_DTYPE_INT64, "int64"},
                {&af, "f", PAR_DTYPE_INT64, "int64"},   {&af, "f", PAR_DTYPE_FLOAT64, "float64"},
                {&ae, "e", PAR_DTYPE_BOOL, "bool_"},    {&ae, "e", PAR_DTYPE_FLOAT32, "float32"},
                {&aj, "j", PAR_DTYPE_BOOL, "bool_"},
        };
        char name[48], ex[160];
        for (size_t k = 0; k < sizeof cs / sizeof cs[0]; k++) {
                snprintf(name, sizeof name, "astype_%s_%s", cs[k].v, par_dtype_name(cs[k].t));
                snprintf(ex, sizeof ex, "%s.astype(np.%s)", cs[k].v, cs[k].np);
                add_case(name, cast(*cs[k].a, cs[k].t), ex, NULL, 0);
        }
        /* A cast of a cast fuses and is still exact. */
        par_array *x = cast(ad, PAR_DTYPE_FLOAT32);
        add_case("astype_d_f32_i64", cast(x, PAR_DTYPE_INT64),
                 "d.astype(np.float32).astype(np.int64)", NULL, 0);
        par_array_release(x);
}

static void reduction_cases(void)
{
        static const struct {
                par_stat st;
                const char *np;
        } sts[] = {{PAR_STAT_SUM, "sum"}, {PAR_STAT_MEAN, "mean"},
                   {PAR_STAT_MIN, "min"}, {PAR_STAT_MAX, "max"}};
        static const int axes[3] = {0, 1, PAR_AXIS_ALL};
        static const char *const pyaxes[3] = {"0", "1", "None"};
        char name[48], dex[200], vex[200];
        par_error err = {0};
        /* j (small values, chunked by 50) for means and variances of ints;
         * i (extremes: its sums wrap) for sums, minima, maxima. */
        static const var rvars[] = {{"b", &ab}, {"i", &ai}, {"j", &aj}, {"f", &af}, {"d", &ad}};
        for (size_t s = 0; s < 4; s++)
                for (size_t x = 0; x < sizeof rvars / sizeof rvars[0]; x++)
                        for (int k = 0; k < 3; k++) {
                                par_array *a = *rvars[x].a, *r = NULL;
                                if (a == ai && sts[s].st == PAR_STAT_MEAN)
                                        continue;
                                CHECK_OK(par_array_reduce(a, sts[s].st, axes[k], NULL, &r, &err),
                                         &err);
                                snprintf(name, sizeof name, "%s_%s_%d", sts[s].np,
                                         rvars[x].name, k);
                                snprintf(dex, sizeof dex, "np.%s(%s, axis=%s)", sts[s].np,
                                         rvars[x].name, pyaxes[k]);
                                bool f32 = a == af;
                                snprintf(vex, sizeof vex,
                                         "np.%s(%s.astype(np.float64), axis=%s).astype(np.float32)",
                                         sts[s].np, rvars[x].name, pyaxes[k]);
                                bool adds = sts[s].st == PAR_STAT_SUM || sts[s].st == PAR_STAT_MEAN;
                                add_case(name, r, dex, f32 && adds ? vex : NULL,
                                         f32 ? 1 : adds ? 1e-13 : 0);
                        }
        for (size_t x = 0; x < sizeof rvars / sizeof rvars[0]; x++)
                for (int k = 0; k < 3; k++) {
                        par_array *a = *rvars[x].a, *r = NULL;
                        if (a == ai)
                                continue;
                        for (int sd = 0; sd < 2; sd++) {
                                CHECK_OK(par_array_var(a, axes[k], 1, sd, NULL, &r, &err), &err);
                                const char *fn = sd ? "std" : "var";
                                snprintf(name, sizeof name, "%s_%s_%d", fn, rvars[x].name, k);
                                snprintf(dex, sizeof dex, "np.%s(%s, axis=%s, ddof=1)", fn,
                                         rvars[x].name, pyaxes[k]);
                                snprintf(vex, sizeof vex,
                                         "np.%s(%s.astype(np.float64), axis=%s, "
                                         "ddof=1).astype(np.float32)",
                                         fn, rvars[x].name, pyaxes[k]);
                                add_case(name, r, dex, a == af ? vex : NULL,
                                         a == af ? 1 : 1e-12);
                        }
                        for (int mx = 0; mx < 2; mx++) {
                                CHECK_OK(mx ? par_array_argmax(a, axes[k], NULL, &r, &err)
                                            : par_array_argmin(a, axes[k], NULL, &r, &err),
                                         &err);
                                snprintf(name, sizeof name, "arg%s_%s_%d", mx ? "max" : "min",
                                         rvars[x].name, k);
                                snprintf(dex, sizeof dex, "np.arg%s(%s, axis=%s)",
                                         mx ? "max" : "min", rvars[x].name, pyaxes[k]);
                                add_case(name, r, dex, NULL, 0);
                        }
                }
        /* 0-d results broadcast with their dtypes (strong, as NumPy's
         * scalars): i - i.min() wraps in int64; f - d.mean() is float64. */
        par_array *mn = NULL, *mean = NULL;
        CHECK_OK(par_array_reduce(ai, PAR_STAT_MIN, PAR_AXIS_ALL, NULL, &mn, &err), &err);
        add_case("sub_i_min", bin(PAR_ARRAY_SUB, ai, mn), "i - np.min(i)", NULL, 0);
        CHECK_OK(par_array_reduce(ad, PAR_STAT_MEAN, PAR_AXIS_ALL, NULL, &mean, &err), &err);
        add_case("sub_f_mean", bin(PAR_ARRAY_SUB, af, mean), "f - np.mean(d)", NULL, 1e-12);
        par_array_release(mn);
        par_array_release(mean);
        /* Empty: sums are 0 of int64, means NaN. */
        par_array *z = NULL, *r = NULL;
        CHECK_OK(par_array_from_typed(I, PAR_DTYPE_INT64, 2, (int64_t[]){0, C}, CH,
                                      PAR_ROW_MAJOR, &z, &err),
                 &err);
        CHECK_OK(par_array_reduce(z, PAR_STAT_SUM, 0, NULL, &r, &err), &err);
        add_case("sum_empty", r, "np.sum(np.zeros((0, 3), dtype=np.int64), axis=0)", NULL, 0);
        CHECK_OK(par_array_reduce(z, PAR_STAT_MEAN, PAR_AXIS_ALL, NULL, &r, &err), &err);
        add_case("mean_empty", r, "np.mean(np.zeros((0, 3), dtype=np.int64))", NULL, 0);
        par_array_release(z);
        /* Linear algebra takes float64: ints are converted on entry. */
        par_array *g = NULL;
        CHECK_OK(par_array_gram(aj, NULL, &g, &err), &err);
        add_case("gram_j", g, "(j.T @ j).astype(np.float64)", NULL, 0);
}

static void movement_cases(par_client *c)
{
        par_error err = {0};
        par_array *r = NULL;
        for (int x = 0; x < NVARS; x++) {
                par_array *a = *vars[x].a;
                char name[48], ex[160];
                CHECK_OK(par_array_slice(a, 3, 150, 4, PAR_NONE, PAR_NONE, -1, &r, &err), &err);
                snprintf(name, sizeof name, "slice_%s", vars[x].name);
                snprintf(ex, sizeof ex, "%s[3:150:4, ::-1]", vars[x].name);
                add_case(name, r, ex, NULL, 0);
                CHECK_OK(par_array_transpose(a, &r, &err), &err);
                snprintf(name, sizeof name, "transpose_%s", vars[x].name);
                snprintf(ex, sizeof ex, "%s.T", vars[x].name);
                add_case(name, r, ex, NULL, 0);
                CHECK_OK(par_array_rechunk(a, 40, &r, &err), &err);
                snprintf(name, sizeof name, "rechunk_%s", vars[x].name);
                add_case(name, r, vars[x].name, NULL, 0);
                par_array *p = NULL;
                CHECK_OK(par_array_persist(c, a, &p, &err), &err);
                CHECK(par_array_dtype(p) == par_array_dtype(a));
                CHECK_OK(par_array_slice(p, PAR_NONE, PAR_NONE, PAR_NONE, 1, 3, 1, &r, &err),
                         &err);
                par_array_release(p);
                snprintf(name, sizeof name, "persist_%s", vars[x].name);
                snprintf(ex, sizeof ex, "%s[:, 1:3]", vars[x].name);
                add_case(name, r, ex, NULL, 0);
        }
}

/* Dtypes on 2-D chunk grids: the typed inputs re-cut into row blocks of
 * 37 and column blocks of 1 and 2 (j into 50 x {2, 1}, so operands meet
 * on different grids), then elementwise, reductions, transpose, slices
 * and astype, against NumPy on the uncut arrays. */
static void grid_cases(void)
{
        static const int64_t cl[2] = {1, 2}, cl2[2] = {2, 1};
        const par_chunk_spec g1[2] = {{37, 0, NULL}, {0, 2, cl}};
        const par_chunk_spec g2[2] = {{50, 0, NULL}, {0, 2, cl2}};
        par_error err = {0};
        par_array *gb = NULL, *gi = NULL, *gj = NULL, *gf = NULL, *gd = NULL, *r = NULL;
        CHECK_OK(par_array_rechunk_grid(ab, g1, &gb, &err), &err);
        CHECK_OK(par_array_rechunk_grid(ai, g1, &gi, &err), &err);
        CHECK_OK(par_array_rechunk_grid(aj, g2, &gj, &err), &err);
        CHECK_OK(par_array_rechunk_grid(af, g1, &gf, &err), &err);
        CHECK_OK(par_array_rechunk_grid(ad, g1, &gd, &err), &err);
        if (!gb || !gi || !gj || !gf || !gd)
                goto out;
        CHECK(par_array_numblocks(gi, 1) == 2 && par_array_dtype(gi) == PAR_DTYPE_INT64);
        CHECK(par_array_dtype(gb) == PAR_DTYPE_BOOL && par_array_dtype(gf) == PAR_DTYPE_FLOAT32);
        add_case("grid_b", par_array_retain(gb), "b", NULL, 0);
        add_case("grid_i", par_array_retain(gi), "i", NULL, 0);
        add_case("grid_f", par_array_retain(gf), "f", NULL, 0);
        /* int64 arithmetic, exact and wrapping, across two grids */
        par_array *ij = bin(PAR_ARRAY_MUL, gi, gj);
        add_case("grid_i_mul_j_add_i", bin(PAR_ARRAY_ADD, ij, gi),
                 "np.add(np.multiply(i, j), i)", NULL, 0);
        par_array_release(ij);
        add_case("grid_floordiv_i_j", bin(PAR_ARRAY_FLOOR_DIVIDE, gi, gj),
                 "np.floor_divide(i, j)", NULL, 0);
        add_case("grid_less_i_j", bin(PAR_ARRAY_LT, gi, gj), "np.less(i, j)", NULL, 0);
        add_case("grid_add_f_i", bin(PAR_ARRAY_ADD, gf, gi), "np.add(f, i)", NULL, 0);
        add_case("grid_add_f_b", bin(PAR_ARRAY_ADD, gf, gb), "np.add(f, b)", NULL, 0);
        add_case("grid_and_b_b", bin(PAR_ARRAY_AND, gb, ab), "np.logical_and(b, b)", NULL, 0);
        add_case("grid_astype_d_i64", cast(gd, PAR_DTYPE_INT64), "d.astype(np.int64)", NULL,
                 0);
        static const int axes[3] = {0, 1, PAR_AXIS_ALL};
        static const char *const pyaxes[3] = {"0", "1", "None"};
        for (int k = 0; k < 3; k++) {
                char name[48], ex[96];
                const struct {
                        par_stat st;
                        const char *np;
                        par_array **a;
                        const char *v;
                } rs[] = {{PAR_STAT_SUM, "sum", &gi, "i"}, {PAR_STAT_MAX, "max", &gi, "i"},
                          {PAR_STAT_MIN, "min", &gb, "b"}, {PAR_STAT_SUM, "sum", &gb, "b"},
                          {PAR_STAT_MEAN, "mean", &gj, "j"}};
                for (size_t x = 0; x < sizeof rs / sizeof rs[0]; x++) {
                        r = NULL;
                        CHECK_OK(par_array_reduce(*rs[x].a, rs[x].st, axes[k], NULL, &r, &err),
                                 &err);
                        snprintf(name, sizeof name, "grid_%s_%s_%d", rs[x].np, rs[x].v, k);
                        snprintf(ex, sizeof ex, "np.%s(%s, axis=%s)", rs[x].np, rs[x].v,
                                 pyaxes[k]);
                        add_case(name, r, ex, NULL, rs[x].st == PAR_STAT_MEAN ? 1e-13 : 0);
                }
                r = NULL;
                CHECK_OK(par_array_argmax(gi, axes[k], NULL, &r, &err), &err);
                snprintf(name, sizeof name, "grid_argmax_i_%d", k);
                snprintf(ex, sizeof ex, "np.argmax(i, axis=%s)", pyaxes[k]);
                add_case(name, r, ex, NULL, 0);
        }
        r = NULL;
        CHECK_OK(par_array_transpose(gi, &r, &err), &err);
        add_case("grid_transpose_i", r, "i.T", NULL, 0);
        r = NULL;
        CHECK_OK(par_array_transpose(gf, &r, &err), &err);
        par_array *t2 = NULL;
        CHECK_OK(par_array_reduce(r, PAR_STAT_MAX, 1, NULL, &t2, &err), &err);
        add_case("grid_transpose_f", r, "f.T", NULL, 0);
        add_case("grid_transpose_max_f", t2, "np.max(f.T, axis=1)", NULL, 0);
        r = NULL;
        CHECK_OK(par_array_slice(gb, 3, 150, 4, PAR_NONE, PAR_NONE, -1, &r, &err), &err);
        add_case("grid_slice_b", r, "b[3:150:4, ::-1]", NULL, 0);
        r = NULL;
        CHECK_OK(par_array_slice(gi, 200, 2, -3, 2, 0, -1, &r, &err), &err);
        add_case("grid_slice_i", r, "i[200:2:-3, 2:0:-1]", NULL, 0);
out:
        par_array_release(gb);
        par_array_release(gi);
        par_array_release(gj);
        par_array_release(gf);
        par_array_release(gd);
}

static void creation_cases(void)
{
        par_error err = {0};
        par_array *r = NULL;
        const int64_t shape[2] = {R, C};
        CHECK_OK(par_array_full_typed(2, shape, CH, 7.9, PAR_DTYPE_INT64, &r, &err), &err);
        add_case("full_i64", r, "np.full((203, 3), 7.9, dtype=np.int64)", NULL, 0);
        CHECK_OK(par_array_full_typed(2, shape, CH, -7.9, PAR_DTYPE_INT64, &r, &err), &err);
        add_case("full_i64_neg", r, "np.full((203, 3), -7.9, dtype=np.int64)", NULL, 0);
        CHECK_OK(par_array_full_typed(2, shape, CH, 0.1, PAR_DTYPE_FLOAT32, &r, &err), &err);
        add_case("full_f32", r, "np.full((203, 3), 0.1, dtype=np.float32)", NULL, 0);
        CHECK_OK(par_array_full_typed(1, shape, CH, 0.5, PAR_DTYPE_BOOL, &r, &err), &err);
        add_case("full_bool", r, "np.full(203, 0.5, dtype=np.bool_)", NULL, 0);
        CHECK_OK(par_array_zeros_typed(2, shape, CH, PAR_DTYPE_BOOL, &r, &err), &err);
        add_case("zeros_bool", r, "np.zeros((203, 3), dtype=np.bool_)", NULL, 0);
        CHECK_OK(par_array_ones_typed(1, shape, CH, PAR_DTYPE_INT64, &r, &err), &err);
        add_case("ones_i64", r, "np.ones(203, dtype=np.int64)", NULL, 0);
        CHECK_OK(par_array_arange_int64(-7, 50, 3, 4, &r, &err), &err);
        add_case("arange_i64", r, "np.arange(-7, 50, 3)", NULL, 0);
        CHECK_OK(par_array_arange_int64(50, -7, -4, 3, &r, &err), &err);
        add_case("arange_i64_down", r, "np.arange(50, -7, -4)", NULL, 0);
        CHECK_OK(par_array_arange_int64(INT64_MAX - 10, INT64_MAX, 3, 2, &r, &err), &err);
        add_case("arange_i64_top", r, "np.arange(2**63 - 11, 2**63 - 1, 3, dtype=np.int64)",
                 NULL, 0);
        CHECK_OK(par_array_arange_int64(5, 5, 1, 3, &r, &err), &err);
        add_case("arange_i64_empty", r, "np.arange(5, 5, dtype=np.int64)", NULL, 0);
        CHECK_OK(par_array_from_typed(B, PAR_DTYPE_BOOL, 1, shape, 30, PAR_ROW_MAJOR, &r, &err),
                 &err);
        add_case("vector_bool", r, "b.reshape(-1)[:203]", NULL, 0);
}

/* ---- plain C checks -------------------------------------------------------------------- */

static void test_accessors(par_client *c)
{
        par_error err = {0};
        CHECK(par_array_dtype(ai) == PAR_DTYPE_INT64 && par_array_dtype(ab) == PAR_DTYPE_BOOL &&
              par_array_dtype(af) == PAR_DTYPE_FLOAT32 && par_array_dtype(ad) == PAR_DTYPE_FLOAT64);
        CHECK(strcmp(par_dtype_name(PAR_DTYPE_FLOAT32), "float32") == 0);
        par_value *v = NULL;
        CHECK_OK(par_array_compute(c, ai, &v, &err), &err);
        CHECK(par_ndarray_dtype(v) == PAR_DTYPE_INT64);
        CHECK(par_ndarray_data(v) == NULL && par_ndarray_raw(v) != NULL);
        /* get converts to double; copy too; copy_raw is exact. */
        CHECK(par_ndarray_get(v, 3, 0) == (double)I[3 * C]);
        CHECK(par_ndarray_get(v, 0, 0) == 0x1p63);
        double *dd = malloc(sizeof(double) * R * C);
        int64_t *ii = malloc(sizeof(int64_t) * R * C);
        CHECK_OK(par_ndarray_copy(v, PAR_ROW_MAJOR, dd, &err), &err);
        CHECK_OK(par_ndarray_copy_raw(v, PAR_ROW_MAJOR, ii, &err), &err);
        CHECK(memcmp(ii, I, sizeof I) == 0);
        int bad = 0;
        for (int k = 0; k < R * C; k++)
                bad += dd[k] != (double)I[k];
        CHECK(bad == 0);
        const int64_t *raw = par_ndarray_raw(v);
        CHECK(raw[par_ndarray_col_stride(v) * 2 + 5 * par_ndarray_row_stride(v)] == I[5 * C + 2]);
        par_value_release(v);
        free(dd);
        free(ii);
        /* A chunk value made from a typed buffer. */
        par_value *t = par_ndarray_from_typed(F, PAR_DTYPE_FLOAT32, R, C, PAR_ROW_MAJOR);
        CHECK(t && par_ndarray_dtype(t) == PAR_DTYPE_FLOAT32 && par_ndarray_get(t, 8, 2) == F[26]);
        par_value_release(t);
        CHECK(par_ndarray_from_typed(F, PAR_DTYPE_STRING, R, C, PAR_ROW_MAJOR) == NULL);
        /* The summary names the dtype and counts its bytes. */
        char buf[256];
        par_array_format(ai, buf, sizeof buf);
        CHECK_MSG(strstr(buf, "Bytes 4.87 kB") && strstr(buf, "int64"), "%s", buf);
        par_array_format(ab, buf, sizeof buf);
        CHECK_MSG(strstr(buf, "Bytes 609 B") && strstr(buf, " bool"), "%s", buf);
        par_array_format(af, buf, sizeof buf);
        CHECK_MSG(strstr(buf, "Bytes 2.44 kB") && strstr(buf, "float32"), "%s", buf);
}

static void test_raw(par_client *c)
{
        static const struct {
                const void *data;
                par_dtype t;
        } ins[] = {{B, PAR_DTYPE_BOOL}, {I, PAR_DTYPE_INT64}, {F, PAR_DTYPE_FLOAT32},
                   {D, PAR_DTYPE_FLOAT64}};
        par_error err = {0};
        for (size_t k = 0; k < 4; k++)
                for (int lay = 0; lay < 2; lay++) {
                        par_layout layout = lay ? PAR_COL_MAJOR : PAR_ROW_MAJOR;
                        char path[128];
                        snprintf(path, sizeof path, "%s/rt-%zu-%d.raw", nref_dir, k, lay);
                        par_array *a = typed(ins[k].data, ins[k].t, CH), *b = NULL;
                        CHECK_OK(par_array_to_raw(c, a, path, layout, &err), &err);
                        struct stat st;
                        CHECK(stat(path, &st) == 0 &&
                              (size_t)st.st_size == (size_t)R * C * dsize(ins[k].t));
                        CHECK_OK(par_array_from_raw_typed(path, ins[k].t, 2, (int64_t[]){R, C},
                                                          layout, 29, &b, &err),
                                 &err);
                        CHECK(par_array_dtype(b) == ins[k].t);
                        par_value *v = NULL;
                        CHECK_OK(par_array_compute(c, b, &v, &err), &err);
                        void *got = malloc((size_t)R * C * dsize(ins[k].t));
                        CHECK_OK(par_ndarray_copy_raw(v, PAR_ROW_MAJOR, got, &err), &err);
                        CHECK_MSG(memcmp(got, ins[k].data, (size_t)R * C * dsize(ins[k].t)) == 0,
                                  "raw round trip of %s", par_dtype_name(ins[k].t));
                        free(got);
                        par_value_release(v);
                        par_array_release(b);
                        /* The wrong dtype's size is refused, naming the dtype. */
                        if (ins[k].t == PAR_DTYPE_FLOAT32) {
                                CHECK(par_array_from_raw_typed(path, PAR_DTYPE_INT64, 2,
                                                               (int64_t[]){R, C}, layout, 29,
                                                               &b, &err) == PAR_EINVAL);
                                CHECK(strstr(err.message, "int64") != NULL);
                        }
                        par_array_release(a);
                        unlink(path);
                }
}

static void test_errors(par_client *c)
{
        par_error err = {0};
        par_array *r = NULL;
        CHECK(par_array_astype(ai, PAR_DTYPE_STRING, &r, &err) == PAR_EINVAL && !r);
        CHECK(par_array_from_typed(I, PAR_DTYPE_LIST, 2, (int64_t[]){R, C}, CH, PAR_ROW_MAJOR,
                                   &r, &err) == PAR_EINVAL);
        CHECK(par_array_full_typed(1, (int64_t[]){3}, 2, NAN, PAR_DTYPE_INT64, &r, &err) ==
              PAR_EINVAL);
        CHECK(par_array_full_typed(1, (int64_t[]){3}, 2, 1e19, PAR_DTYPE_INT64, &r, &err) ==
              PAR_EINVAL);
        CHECK(par_array_arange_int64(0, 10, 0, 2, &r, &err) == PAR_EINVAL);
        CHECK(par_array_unary(PAR_ARRAY_NEG, ab, &r, &err) == PAR_ETYPE && !r);
        /* A float with no int64 value fails when computed, naming the
         * element; so does a negative integer power. */
        par_array *x = cast(ad, PAR_DTYPE_FLOAT32), *big = NULL;
        par_value *v = NULL;
        CHECK_OK(par_array_binary_scalar(PAR_ARRAY_MUL, x, 1e17, &big, &err), &err);
        par_array_release(x);
        x = cast(big, PAR_DTYPE_INT64); /* |x| up to 1e20: beyond int64 */
        CHECK(par_array_compute(c, x, &v, &err) == PAR_EINVAL && !v);
        CHECK_MSG(strstr(err.message, "out of range"), "%s", err.message);
        par_array_release(x);
        par_array_release(big);
        x = cast(ae, PAR_DTYPE_INT64);
        CHECK(par_array_compute(c, x, &v, &err) == PAR_EINVAL && !v);
        CHECK_MSG(strstr(err.message, "element (0, 0)") && strstr(err.message, "nan") &&
                          strstr(err.message, "int64"),
                  "%s", err.message);
        par_array_release(x);
        par_array *neg = NULL;
        CHECK_OK(par_array_unary(PAR_ARRAY_NEG, ap, &neg, &err), &err);
        x = bin(PAR_ARRAY_POW, ai, neg);
        CHECK(par_array_compute(c, x, &v, &err) == PAR_EINVAL);
        CHECK_MSG(strstr(err.message, "negative integer power"), "%s", err.message);
        par_array_release(x);
        par_array_release(neg);
        /* The linear models convert other dtypes to float64 on entry: a
         * float32 X fits as the same X cast to float64 by hand. */
        par_array *y = NULL, *X = NULL, *X64 = NULL;
        CHECK_OK(par_array_slice(ad, PAR_NONE, PAR_NONE, PAR_NONE, 0, 1, 1, &y, &err), &err);
        X = cast(ad, PAR_DTYPE_FLOAT32);
        X64 = cast(X, PAR_DTYPE_FLOAT64);
        par_linear_regression m = {0}, m64 = {0};
        CHECK_OK(par_linear_regression_fit(c, NULL, X, y, &m, &err), &err);
        CHECK_OK(par_linear_regression_fit(c, NULL, X64, y, &m64, &err), &err);
        CHECK(m.coef && m64.coef && m.n_features == 3 && m64.n_features == 3 &&
              memcmp(m.coef, m64.coef, 3 * sizeof *m.coef) == 0 &&
              m.intercept == m64.intercept);
        par_array *pred = NULL;
        CHECK_OK(par_linear_regression_predict(&m, X, &pred, &err), &err);
        CHECK(pred && par_array_dtype(pred) == PAR_DTYPE_FLOAT64);
        par_array_release(pred);
        par_linear_regression_clear(&m);
        par_linear_regression_clear(&m64);
        par_array_release(X64);
        par_array_release(X);
        par_array_release(y);
}

int main(int argc, char **argv)
{
        TEST_BACKEND_BEGIN(&argc, &argv);
        char script[1024];
        if (nref_begin("array-dtype") < 0)
                return 1;
        if (nref_script(argc, argv, "array_dtype_ref.py", script, sizeof script) < 0) {
                fprintf(stderr, "array_dtype_ref.py not found\n");
                return 1;
        }
        make_data();
        par_error err = {0};
        par_client *c0 = NULL;
        if (test_client_new(&(par_client_opts){PAR_EXEC_POOL, 0}, &c0, &err) != 0) {
                fprintf(stderr, "client: %s\n", err.message);
                return 1;
        }
        binary_cases();
        unary_cases();
        astype_cases();
        reduction_cases();
        movement_cases(c0);
        grid_cases();
        creation_cases();
        nref_run(script);
        printf("  %d NumPy cases\n", ncases);
        static const par_exec_kind kinds[] = {PAR_EXEC_POOL, PAR_EXEC_SERIAL};
        static const char *const names[] = {"pool", "serial"};
        for (int k = 0; k < 2; k++) {
                par_client *c = NULL;
                /* Under MPI one client at a time (c0 holds the persisted
                 * cases), and executor kinds do not apply: one pass. */
                if (test_backend_is_mpi() && k > 0)
                        break;
                if (test_backend_is_mpi())
                        c = c0;
                else if (test_client_new(&(par_client_opts){kinds[k], 0}, &c, &err) != 0) {
                        fprintf(stderr, "client: %s\n", err.message);
                        return 1;
                }
                printf("  %s\n", names[k]);
                for (int i = 0; i < ncases; i++)
                        compare_case(c, &cases[i]);
                test_accessors(c);
                test_raw(c);
                test_errors(c);
                if (c != c0)
                        par_client_free(c);
        }
        par_client_free(c0);
        for (int i = 0; i < ncases; i++)
                par_array_release(cases[i].a);
        par_array *inputs[] = {ab, ai, aj, ap, af, ag, ad, ae, ak};
        for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++)
                par_array_release(inputs[i]);
        nref_end();
        return test_backend_end(check_done("test_array_dtype"));
}
