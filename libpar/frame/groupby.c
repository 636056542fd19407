/* Hash group-by and value_counts.
 *
 * Each partition is reduced to a partial: a table of its distinct keys (in
 * order of first appearance) and, per aggregation, state columns (a sum,
 * a count, a min or max whose null means "no value seen"). Partials are
 * merged by the same hash grouping over their key columns in a tree of
 * fan-in split_every, in partition order, so a merged partial's groups
 * stay in order of first appearance over the whole frame. The final task
 * sorts by key (groupby) or by count (value_counts) and shapes the result.
 *
 * Grouping a block of rows works in three passes: hash the keys of every
 * row, probe the open-addressing table for each row's group id (adding
 * new groups), then one tight loop per aggregation over the ids. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "frame/internal.h"

enum { MAXK = 32, MAXA = 64, BLOCK = 2048 };

/* State kinds. COUNT counts valid values, SIZE counts rows; merging
 * partials sums both. */
enum acc_kind { ACC_SUM_I, ACC_SUM_F, ACC_COUNT, ACC_SIZE, ACC_MIN_I, ACC_MAX_I,
                ACC_MIN_F, ACC_MAX_F };

/* What every task of one groupby knows: keys and aggregations with the
 * dtypes fixed when the graph was built. */
typedef struct gspec {
        size_t nk, na, ns;
        const char *key[MAXK];
        par_dtype kt[MAXK];
        const char *col[MAXA];
        par_dtype ct[MAXA];
        int stat[MAXA]; /* par_stat, 0 count, -1 size */
        bool counts;    /* value_counts: sort by count */
        struct {
                int kind, agg;
        } st[2 * MAXA];
} gspec;

/* A column being read: values as int64 (ints, bools, float bits) or
 * float64, and the validity bitmap. */
typedef struct incol {
        par_dtype t;
        const int64_t *iv;
        const double *fv;
        const uint8_t *bv;
        const int64_t *off;
        const char *bytes;
        const uint8_t *valid;
} incol;

/* The distinct keys of one key column, one entry per group. */
typedef struct gkey {
        par_dtype t;
        int64_t *v;  /* int64, bool 0/1, float64 bits */
        int64_t *off; /* strings: cap + 1 offsets */
        char *bytes;
        size_t nbytes, bcap;
} gkey;

typedef struct gstate {
        int kind;
        int64_t *i;
        double *f;
        uint8_t *seen; /* min/max */
} gstate;

typedef struct gtable {
        size_t nk, ns;
        gkey k[MAXK];
        gstate s[2 * MAXA];
        int64_t ngroups, cap;
        uint64_t *hash;
        uint32_t *slot; /* group + 1; 0 empty */
        size_t mask;
        /* One int64 key of a small range: group of key x is direct[x -
         * dmin] (-1: none yet), with no hashing per row. */
        int32_t *direct;
        int64_t dmin, drange;
} gtable;

static bool is_valid(const uint8_t *v, int64_t i)
{
        return !v || (v[i >> 3] >> (i & 7) & 1);
}

static void incol_of(const par_value *c, incol *in)
{
        in->t = par_column_dtype(c);
        in->iv = par_column_int64(c);
        in->fv = par_column_float64(c);
        in->bv = par_column_bool(c);
        in->off = par_column_offsets(c);
        in->bytes = par_column_bytes(c);
        in->valid = par_column_validity(c);
}

/* ---- the spec ------------------------------------------------------------- */

static void spec_states(gspec *s)
{
        s->ns = 0;
        for (size_t a = 0; a < s->na; a++) {
                bool fl = s->ct[a] == PAR_DTYPE_FLOAT64;
                int k1 = -1, k2 = -1;
                switch (s->stat[a]) {
                case -1: k1 = ACC_SIZE; break;
                case 0: k1 = ACC_COUNT; break;
                case PAR_STAT_SUM: k1 = fl ? ACC_SUM_F : ACC_SUM_I; break;
                case PAR_STAT_MEAN: k1 = ACC_SUM_F; k2 = ACC_COUNT; break;
                case PAR_STAT_MIN: k1 = fl ? ACC_MIN_F : ACC_MIN_I; break;
                default: k1 = fl ? ACC_MAX_F : ACC_MAX_I; break;
                }
                s->st[s->ns].kind = k1;
                s->st[s->ns++].agg = (int)a;
                if (k2 >= 0) {
                        s->st[s->ns].kind = k2;
                        s->st[s->ns++].agg = (int)a;
                }
        }
}

/* spec value: [keys, key dtypes, columns, column dtypes, stats, counts] */
static int spec_decode(par_task_ctx *ctx, const par_value *v, gspec *s)
{
        memset(s, 0, sizeof *s);
        if (par_value_list_size(v) != 6)
                return par_task_fail(ctx, PAR_EINVAL, "groupby: bad spec");
        par_value *l[6];
        for (size_t i = 0; i < 6; i++)
                l[i] = par_value_list_item(v, i);
        s->nk = par_value_list_size(l[0]);
        s->na = par_value_list_size(l[2]);
        if (s->nk > MAXK || s->na > MAXA)
                return par_task_fail(ctx, PAR_EINVAL, "groupby: bad spec");
        for (size_t i = 0; i < s->nk; i++) {
                s->key[i] = par_value_bytes(par_value_list_item(l[0], i), NULL);
                s->kt[i] = (par_dtype)par_value_int64_of(par_value_list_item(l[1], i));
        }
        for (size_t i = 0; i < s->na; i++) {
                s->col[i] = par_value_bytes(par_value_list_item(l[2], i), NULL);
                s->ct[i] = (par_dtype)par_value_int64_of(par_value_list_item(l[3], i));
                s->stat[i] = (int)par_value_int64_of(par_value_list_item(l[4], i));
        }
        s->counts = par_value_int64_of(l[5]) != 0;
        spec_states(s);
        return 0;
}

par_value *par__frame_string_list(size_t n, const char *const *s)
{
        par_value **v = par__calloc(n ? n : 1, sizeof *v);
        if (!v)
                return NULL;
        size_t made = 0;
        for (; made < n; made++)
                if (!(v[made] = par_value_cstring(s[made])))
                        break;
        par_value *l = made == n ? par_value_list(n, v) : NULL;
        for (size_t i = 0; i < made; i++)
                par_value_release(v[i]);
        par__free(v);
        return l;
}

static par_value *list_of_ints(size_t n, const int64_t *x)
{
        par_value *v[MAXA] = {0};
        size_t made = 0;
        for (; made < n; made++)
                if (!(v[made] = par_value_int64(x[made])))
                        break;
        par_value *l = made == n ? par_value_list(n, v) : NULL;
        for (size_t i = 0; i < made; i++)
                par_value_release(v[i]);
        return l;
}

static par_value *spec_encode(const gspec *s)
{
        int64_t kt[MAXK], ct[MAXA], st[MAXA];
        for (size_t i = 0; i < s->nk; i++)
                kt[i] = s->kt[i];
        for (size_t i = 0; i < s->na; i++) {
                ct[i] = s->ct[i];
                st[i] = s->stat[i];
        }
        par_value *l[6] = {par__frame_string_list(s->nk, s->key), list_of_ints(s->nk, kt),
                           par__frame_string_list(s->na, s->col), list_of_ints(s->na, ct),
                           list_of_ints(s->na, st), par_value_int64(s->counts)};
        bool ok = true;
        for (int i = 0; i < 6; i++)
                ok &= l[i] != NULL;
        par_value *v = ok ? par_value_list(6, l) : NULL;
        for (int i = 0; i < 6; i++)
                par_value_release(l[i]);
        return v;
}

/* ---- the table ---------------------------------------------------------------- */

static void gtable_free(gtable *g)
{
        for (size_t i = 0; i < g->nk; i++) {
                par__free(g->k[i].v);
                par__free(g->k[i].off);
                par__free(g->k[i].bytes);
        }
        for (size_t i = 0; i < g->ns; i++) {
                par__free(g->s[i].i);
                par__free(g->s[i].f);
                par__free(g->s[i].seen);
        }
        par__free(g->hash);
        par__free(g->slot);
        par__free(g->direct);
}

static int grow_array(void **p, int64_t cap, size_t elem)
{
        void *q = par__realloc(*p, (size_t)cap * elem);
        if (!q)
                return PAR_ENOMEM;
        *p = q;
        return 0;
}

/* Room for `cap` groups in every per-group array. */
static int gtable_reserve(gtable *g, int64_t cap)
{
        if (cap <= g->cap)
                return 0;
        int rc = grow_array((void **)&g->hash, cap, sizeof *g->hash);
        for (size_t i = 0; i < g->nk && rc == 0; i++) {
                if (g->k[i].t == PAR_DTYPE_STRING)
                        rc = grow_array((void **)&g->k[i].off, cap + 1, sizeof(int64_t));
                else
                        rc = grow_array((void **)&g->k[i].v, cap, sizeof(int64_t));
        }
        for (size_t i = 0; i < g->ns && rc == 0; i++) {
                gstate *s = &g->s[i];
                bool fl = s->kind == ACC_SUM_F || s->kind == ACC_MIN_F ||
                          s->kind == ACC_MAX_F;
                rc = fl ? grow_array((void **)&s->f, cap, sizeof(double))
                        : grow_array((void **)&s->i, cap, sizeof(int64_t));
                if (rc == 0 && s->kind >= ACC_MIN_I)
                        rc = grow_array((void **)&s->seen, cap, 1);
        }
        if (rc == 0)
                g->cap = cap;
        return rc;
}

static int gtable_rehash(gtable *g, size_t nslots)
{
        uint32_t *slot = par__calloc(nslots, sizeof *slot);
        if (!slot)
                return PAR_ENOMEM;
        size_t mask = nslots - 1;
        for (int64_t j = 0; j < g->ngroups; j++) {
                size_t s = g->hash[j] & mask;
                while (slot[s])
                        s = (s + 1) & mask;
                slot[s] = (uint32_t)(j + 1);
        }
        par__free(g->slot);
        g->slot = slot;
        g->mask = mask;
        return 0;
}

static int gtable_init(gtable *g, const gspec *sp)
{
        memset(g, 0, sizeof *g);
        g->nk = sp->nk;
        g->ns = sp->ns;
        for (size_t i = 0; i < sp->nk; i++)
                g->k[i].t = sp->kt[i];
        for (size_t i = 0; i < sp->ns; i++)
                g->s[i].kind = sp->st[i].kind;
        int rc = gtable_reserve(g, 64);
        if (rc == 0)
                rc = gtable_rehash(g, 256);
        for (size_t i = 0; i < g->nk && rc == 0; i++)
                if (g->k[i].t == PAR_DTYPE_STRING)
                        g->k[i].off[0] = 0;
        return rc;
}

/* Key of row r as 64 bits (ints, bools, floats with -0.0 as 0.0); false
 * for a null (or NaN) key. */
static inline bool key_bits(const incol *c, int64_t r, int64_t *out)
{
        if (!is_valid(c->valid, r))
                return false;
        if (c->iv) {
                *out = c->iv[r];
        } else if (c->bv) {
                *out = c->bv[r] != 0;
        } else {
                double x = c->fv[r];
                if (x != x)
                        return false;
                if (x == 0)
                        x = 0;
                memcpy(out, &x, sizeof x);
        }
        return true;
}

/* Hashes rows [lo, hi) into h; h = 0 and drop = 1 where a key is null. */
static void hash_rows(const gtable *g, const incol *kc, int64_t lo, int64_t hi,
                      uint64_t *h, uint8_t *drop)
{
        int64_t n = hi - lo;
        for (int64_t r = 0; r < n; r++) {
                h[r] = 0x9e3779b97f4a7c15u;
                drop[r] = 0;
        }
        for (size_t k = 0; k < g->nk; k++) {
                const incol *c = &kc[k];
                if (c->t == PAR_DTYPE_STRING) {
                        for (int64_t r = 0; r < n; r++) {
                                if (!is_valid(c->valid, lo + r)) {
                                        drop[r] = 1;
                                        continue;
                                }
                                int64_t a = c->off[lo + r], b = c->off[lo + r + 1];
                                h[r] = par__hash_mix(h[r] ^ par__hash_bytes(c->bytes + a,
                                                                           (size_t)(b - a),
                                                                           k));
                        }
                } else if (c->iv && !c->valid) {
                        for (int64_t r = 0; r < n; r++)
                                h[r] = par__hash_mix(h[r] ^ (uint64_t)c->iv[lo + r]);
                } else {
                        for (int64_t r = 0; r < n; r++) {
                                int64_t x;
                                if (key_bits(c, lo + r, &x))
                                        h[r] = par__hash_mix(h[r] ^ (uint64_t)x);
                                else
                                        drop[r] = 1;
                        }
                }
        }
}

static bool keys_equal(const gtable *g, int64_t grp, const incol *kc, int64_t r)
{
        for (size_t k = 0; k < g->nk; k++) {
                const gkey *gk = &g->k[k];
                const incol *c = &kc[k];
                if (gk->t == PAR_DTYPE_STRING) {
                        int64_t a = c->off[r], b = c->off[r + 1];
                        int64_t ga = gk->off[grp], gb = gk->off[grp + 1];
                        if (b - a != gb - ga ||
                            memcmp(c->bytes + a, gk->bytes + ga, (size_t)(b - a)) != 0)
                                return false;
                } else {
                        int64_t x = 0;
                        key_bits(c, r, &x);
                        if (x != gk->v[grp])
                                return false;
                }
        }
        return true;
}

/* Appends row r's keys as a new group; returns its id or -1 (no memory). */
static int64_t add_group(gtable *g, const incol *kc, int64_t r, uint64_t h)
{
        if (g->ngroups >= (int64_t)INT32_MAX - 1)
                return -1;
        if (g->ngroups == g->cap && gtable_reserve(g, g->cap * 2) < 0)
                return -1;
        int64_t j = g->ngroups;
        for (size_t k = 0; k < g->nk; k++) {
                gkey *gk = &g->k[k];
                const incol *c = &kc[k];
                if (gk->t == PAR_DTYPE_STRING) {
                        int64_t a = c->off[r], b = c->off[r + 1];
                        size_t need = gk->nbytes + (size_t)(b - a);
                        if (need > gk->bcap &&
                            par__grow((void **)&gk->bytes, &gk->bcap, need, 1) < 0)
                                return -1;
                        memcpy(gk->bytes + gk->nbytes, c->bytes + a, (size_t)(b - a));
                        gk->nbytes = need;
                        gk->off[j + 1] = (int64_t)need;
                } else {
                        key_bits(c, r, &gk->v[j]);
                }
        }
        for (size_t i = 0; i < g->ns; i++) {
                gstate *s = &g->s[i];
                if (s->f)
                        s->f[j] = 0;
                if (s->i)
                        s->i[j] = 0;
                if (s->seen)
                        s->seen[j] = 0;
        }
        g->hash[j] = h;
        g->ngroups++;
        /* At most half full, so probes stay short. */
        if ((size_t)g->ngroups * 2 > g->mask + 1)
                return gtable_rehash(g, (g->mask + 1) * 2) < 0 ? -1 : j;
        size_t s = h & g->mask;
        while (g->slot[s])
                s = (s + 1) & g->mask;
        g->slot[s] = (uint32_t)(j + 1);
        return j;
}

/* Group ids of rows [lo, hi) (-1: a null key). Returns 0 or PAR_ENOMEM. */
static int probe_rows(gtable *g, const incol *kc, int64_t lo, int64_t hi,
                      const uint64_t *h, const uint8_t *drop, int32_t *gid)
{
        bool fast = g->nk == 1 && kc[0].iv && !kc[0].valid;
        for (int64_t r = 0; r < hi - lo; r++) {
                if (drop[r]) {
                        gid[r] = -1;
                        continue;
                }
                size_t s = h[r] & g->mask;
                int64_t found = -1;
                while (g->slot[s]) {
                        int64_t j = (int64_t)g->slot[s] - 1;
                        if (g->hash[j] == h[r] &&
                            (fast ? g->k[0].v[j] == kc[0].iv[lo + r]
                                  : keys_equal(g, j, kc, lo + r))) {
                                found = j;
                                break;
                        }
                        s = (s + 1) & g->mask;
                }
                if (found < 0 && (found = add_group(g, kc, lo + r, h[r])) < 0)
                        return PAR_ENOMEM;
                gid[r] = (int32_t)found;
        }
        return 0;
}

/* Group ids of rows [lo, hi) through the direct map. */
static int probe_direct(gtable *g, const incol *kc, int64_t lo, int64_t hi,
                        int32_t *gid)
{
        const int64_t *k = kc[0].iv;
        for (int64_t r = lo; r < hi; r++) {
                if (!is_valid(kc[0].valid, r)) {
                        gid[r - lo] = -1;
                        continue;
                }
                int32_t *d = &g->direct[k[r] - g->dmin];
                if (*d < 0) {
                        int64_t j = add_group(g, kc, r, par__hash_mix(
                                                        0x9e3779b97f4a7c15u ^
                                                        (uint64_t)k[r]));
                        if (j < 0)
                                return PAR_ENOMEM;
                        *d = (int32_t)j;
                }
                gid[r - lo] = *d;
        }
        return 0;
}

/* Sets up the direct map when a single int64 key spans a range of at
 * most 2^20 values and not more than a few times the rows: then a load
 * replaces hashing and probing (the map of 1000 keys is 4 KiB). */
static int try_direct(gtable *g, const incol *kc, int64_t n)
{
        if (g->nk != 1 || !kc[0].iv || n < 1024)
                return 0;
        int64_t mn = INT64_MAX, mx = INT64_MIN;
        for (int64_t r = 0; r < n; r++) {
                if (!is_valid(kc[0].valid, r))
                        continue;
                mn = kc[0].iv[r] < mn ? kc[0].iv[r] : mn;
                mx = kc[0].iv[r] > mx ? kc[0].iv[r] : mx;
        }
        if (mn > mx || (uint64_t)mx - (uint64_t)mn >= (1u << 20) ||
            (mx - mn) / 4 > n)
                return 0;
        g->drange = mx - mn + 1;
        g->dmin = mn;
        g->direct = par__malloc((size_t)g->drange * sizeof *g->direct);
        if (!g->direct)
                return PAR_ENOMEM;
        memset(g->direct, 0xff, (size_t)g->drange * sizeof *g->direct);
        return 0;
}

/* ---- accumulating ---------------------------------------------------------- */

static void acc_sum_f(double *acc, const int32_t *gid, int64_t n, const incol *c,
                      int64_t lo)
{
        if (c->fv && !c->valid) {
                const double *x = c->fv + lo;
                /* NaN is missing, as pandas skips it. */
                for (int64_t r = 0; r < n; r++)
                        if (gid[r] >= 0)
                                acc[gid[r]] += x[r] == x[r] ? x[r] : 0.0;
                return;
        }
        for (int64_t r = 0; r < n; r++) {
                if (gid[r] < 0 || !is_valid(c->valid, lo + r))
                        continue;
                double x = c->fv   ? c->fv[lo + r]
                           : c->iv ? (double)c->iv[lo + r]
                                   : (double)c->bv[lo + r];
                if (x == x)
                        acc[gid[r]] += x;
        }
}

static void acc_sum_i(int64_t *acc, const int32_t *gid, int64_t n, const incol *c,
                      int64_t lo)
{
        for (int64_t r = 0; r < n; r++) {
                if (gid[r] < 0 || !is_valid(c->valid, lo + r))
                        continue;
                int64_t x = c->iv ? c->iv[lo + r] : c->bv[lo + r];
                acc[gid[r]] = (int64_t)((uint64_t)acc[gid[r]] + (uint64_t)x);
        }
}

static void acc_count(int64_t *acc, const int32_t *gid, int64_t n, const incol *c,
                      int64_t lo)
{
        bool nan_null = c && c->fv;
        for (int64_t r = 0; r < n; r++) {
                if (gid[r] < 0)
                        continue;
                if (c && !is_valid(c->valid, lo + r))
                        continue;
                if (nan_null && c->fv[lo + r] != c->fv[lo + r])
                        continue;
                acc[gid[r]]++;
        }
}

static void acc_minmax(gstate *s, const int32_t *gid, int64_t n, const incol *c,
                       int64_t lo)
{
        bool mx = s->kind == ACC_MAX_I || s->kind == ACC_MAX_F;
        for (int64_t r = 0; r < n; r++) {
                int32_t j = gid[r];
                if (j < 0 || !is_valid(c->valid, lo + r))
                        continue;
                if (s->f) {
                        double x = c->fv[lo + r];
                        if (x != x)
                                continue;
                        if (!s->seen[j] || (mx ? x > s->f[j] : x < s->f[j]))
                                s->f[j] = x;
                } else {
                        int64_t x = c->iv ? c->iv[lo + r] : c->bv[lo + r];
                        if (!s->seen[j] || (mx ? x > s->i[j] : x < s->i[j]))
                                s->i[j] = x;
                }
                s->seen[j] = 1;
        }
}

/* Adds rows [lo, hi) to the table; in[i] is the input of state i (NULL
 * for SIZE). When merging partials, counts and sizes are summed. */
static int accumulate(gtable *g, const incol *kc, const incol *const *in, bool merge,
                      int64_t nrows)
{
        uint64_t h[BLOCK];
        uint8_t drop[BLOCK];
        int32_t gid[BLOCK];
        for (int64_t lo = 0; lo < nrows; lo += BLOCK) {
                int64_t hi = lo + BLOCK < nrows ? lo + BLOCK : nrows;
                if (g->direct) {
                        if (probe_direct(g, kc, lo, hi, gid) < 0)
                                return PAR_ENOMEM;
                } else {
                        hash_rows(g, kc, lo, hi, h, drop);
                        if (probe_rows(g, kc, lo, hi, h, drop, gid) < 0)
                                return PAR_ENOMEM;
                }
                for (size_t i = 0; i < g->ns; i++) {
                        gstate *s = &g->s[i];
                        switch (s->kind) {
                        case ACC_SUM_F:
                                acc_sum_f(s->f, gid, hi - lo, in[i], lo);
                                break;
                        case ACC_SUM_I:
                                acc_sum_i(s->i, gid, hi - lo, in[i], lo);
                                break;
                        case ACC_COUNT:
                        case ACC_SIZE:
                                if (merge)
                                        acc_sum_i(s->i, gid, hi - lo, in[i], lo);
                                else
                                        acc_count(s->i, gid, hi - lo, in[i], lo);
                                break;
                        default:
                                acc_minmax(s, gid, hi - lo, in[i], lo);
                                break;
                        }
                }
        }
        return 0;
}

/* ---- partials as tables ------------------------------------------------------ */

/* Key column k in the order idx (NULL: group order). */
static par_value *result_key(const gkey *k, const int64_t *idx, int64_t n)
{
        par__column *c = par__column_alloc(k->t, n,
                                           k->t == PAR_DTYPE_STRING ? k->nbytes : 0);
        if (!c)
                return NULL;
        size_t at = 0;
        for (int64_t i = 0; i < n; i++) {
                int64_t j = idx ? idx[i] : i;
                switch (k->t) {
                case PAR_DTYPE_STRING: {
                        size_t len = (size_t)(k->off[j + 1] - k->off[j]);
                        memcpy((char *)c->data + at, k->bytes + k->off[j], len);
                        at += len;
                        c->offsets[i + 1] = (int64_t)at;
                        break;
                }
                case PAR_DTYPE_BOOL:
                        ((uint8_t *)c->data)[i] = (uint8_t)k->v[j];
                        break;
                case PAR_DTYPE_FLOAT64: {
                        double x;
                        memcpy(&x, &k->v[j], sizeof x);
                        ((double *)c->data)[i] = x;
                        break;
                }
                default:
                        ((int64_t *)c->data)[i] = k->v[j];
                        break;
                }
        }
        return par__column_finish(c);
}

/* seen[] as a validity bitmap (NULL: all valid, or no memory: *nomem). */
static uint8_t *seen_bitmap(const uint8_t *seen, int64_t n, bool *nomem)
{
        *nomem = false;
        if (!seen)
                return NULL;
        int64_t i = 0;
        while (i < n && seen[i])
                i++;
        if (i == n)
                return NULL;
        uint8_t *b = par__calloc((size_t)(n + 7) / 8 + 1, 1);
        if (!b) {
                *nomem = true;
                return NULL;
        }
        for (i = 0; i < n; i++)
                b[i >> 3] |= (uint8_t)((seen[i] != 0) << (i & 7));
        return b;
}

static par_value *state_column(const gstate *s, int64_t n)
{
        bool nomem;
        uint8_t *valid = seen_bitmap(s->seen, n, &nomem);
        if (nomem)
                return NULL;
        par_value *c = s->f ? par_column_from_float64(s->f, n, valid)
                            : par_column_from_int64(s->i, n, valid);
        par__free(valid);
        return c;
}

static par_value *partial_table(par_task_ctx *ctx, const gtable *g)
{
        size_t nc = g->nk + g->ns;
        par_value *cols[MAXK + 2 * MAXA] = {0};
        const char *names[MAXK + 2 * MAXA] = {0};
        char nm[MAXK + 2 * MAXA][8];
        size_t made = 0;
        for (size_t i = 0; i < nc; i++, made++) {
                snprintf(nm[i], sizeof nm[i], "%c%zu", i < g->nk ? 'k' : 's', i);
                names[i] = nm[i];
                cols[i] = i < g->nk ? result_key(&g->k[i], NULL, g->ngroups)
                                    : state_column(&g->s[i - g->nk], g->ngroups);
                if (!cols[i])
                        break;
        }
        par_value *t = made == nc ? par_table_new(nc, names, cols) : NULL;
        for (size_t i = 0; i < made; i++)
                par_value_release(cols[i]);
        if (!t)
                par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        return t;
}

static const char *dtype_word(par_dtype t)
{
        return t == PAR_DTYPE_NONE ? "missing" : par_dtype_name(t);
}

/* (partition, spec) -> partial */
static int op_group_part(par_task_ctx *ctx, size_t n, par_value *const *args,
                         par_value **out)
{
        (void)n;
        gspec sp;
        int rc = spec_decode(ctx, args[1], &sp);
        if (rc < 0)
                return rc;
        const par_value *t = args[0];
        int64_t part = par_task_key(ctx).index;
        if (!par_value_is_table(t))
                return par_task_fail(ctx, PAR_ETYPE,
                                     "groupby: partition %" PRId64 " is not a table",
                                     part);
        incol kc[MAXK], vc[MAXA];
        const incol *in[2 * MAXA];
        for (size_t i = 0; i < sp.nk + sp.na; i++) {
                bool key = i < sp.nk;
                const char *name = key ? sp.key[i] : sp.col[i - sp.nk];
                par_dtype want = key ? sp.kt[i] : sp.ct[i - sp.nk];
                int c = par_table_find(t, name);
                par_value *col = c >= 0 ? par_table_column(t, (size_t)c) : NULL;
                par_dtype got = col ? par_column_dtype(col) : PAR_DTYPE_NONE;
                if (got != want)
                        return par_task_fail(ctx, PAR_ETYPE,
                                             "groupby: column '%s' of partition %" PRId64
                                             " is %s; expected %s",
                                             name, part, dtype_word(got),
                                             par_dtype_name(want));
                incol_of(col, key ? &kc[i] : &vc[i - sp.nk]);
        }
        for (size_t i = 0; i < sp.ns; i++)
                in[i] = sp.st[i].kind == ACC_SIZE ? NULL : &vc[sp.st[i].agg];
        gtable g;
        rc = gtable_init(&g, &sp);
        if (rc == 0)
                rc = try_direct(&g, kc, par_table_length(t));
        if (rc == 0)
                rc = accumulate(&g, kc, in, false, par_table_length(t));
        *out = rc == 0 ? partial_table(ctx, &g) : NULL;
        gtable_free(&g);
        if (rc < 0)
                return par_task_fail(ctx, PAR_ENOMEM, "out of memory");
        return *out ? 0 : PAR_ENOMEM;
}

/* Merges partials (tables laid out by the spec) into one table. */
static int merge_partials(par_task_ctx *ctx, const gspec *sp, size_t n,
                          par_value *const *parts, gtable *g)
{
        int rc = gtable_init(g, sp);
        for (size_t p = 0; p < n && rc == 0; p++) {
                const par_value *t = parts[p];
                if (!par_value_is_table(t) || par_table_ncols(t) != sp->nk + sp->ns)
                        return par_task_fail(ctx, PAR_EINVAL, "groupby: bad partial");
                incol kc[MAXK], sc[2 * MAXA];
                const incol *in[2 * MAXA];
                for (size_t i = 0; i < sp->nk; i++)
                        incol_of(par_table_column(t, i), &kc[i]);
                for (size_t i = 0; i < sp->ns; i++) {
                        incol_of(par_table_column(t, sp->nk + i), &sc[i]);
                        in[i] = &sc[i];
                }
                rc = accumulate(g, kc, in, true, par_table_length(t));
        }
        return rc < 0 ? par_task_fail(ctx, PAR_ENOMEM, "out of memory") : 0;
}

/* (spec, partials...) -> partial */
static int op_group_combine(par_task_ctx *ctx, size_t n, par_value *const *args,
                            par_value **out)
{
        gspec sp;
        int rc = spec_decode(ctx, args[0], &sp);
        if (rc < 0)
                return rc;
        gtable g;
        rc = merge_partials(ctx, &sp, n - 1, args + 1, &g);
        *out = rc == 0 ? partial_table(ctx, &g) : NULL;
        gtable_free(&g);
        return rc < 0 ? rc : *out ? 0 : PAR_ENOMEM;
}

/* ---- the final table ----------------------------------------------------------- */

typedef struct order_ctx {
        const gtable *g;
        const int64_t *count; /* value_counts: sort by this, descending */
} order_ctx;

static int cmp_groups(const order_ctx *o, int64_t a, int64_t b)
{
        if (o->count)
                return o->count[a] > o->count[b] ? -1 : o->count[a] < o->count[b];
        for (size_t k = 0; k < o->g->nk; k++) {
                const gkey *gk = &o->g->k[k];
                int c = 0;
                if (gk->t == PAR_DTYPE_STRING) {
                        int64_t la = gk->off[a + 1] - gk->off[a];
                        int64_t lb = gk->off[b + 1] - gk->off[b];
                        c = memcmp(gk->bytes + gk->off[a], gk->bytes + gk->off[b],
                                   (size_t)(la < lb ? la : lb));
                        if (c == 0)
                                c = la < lb ? -1 : la > lb;
                } else if (gk->t == PAR_DTYPE_FLOAT64) {
                        double x, y;
                        memcpy(&x, &gk->v[a], sizeof x);
                        memcpy(&y, &gk->v[b], sizeof y);
                        c = x < y ? -1 : x > y;
                } else {
                        c = gk->v[a] < gk->v[b] ? -1 : gk->v[a] > gk->v[b];
                }
                if (c)
                        return c;
        }
        return 0;
}

/* A stable merge sort of idx[0..n) (tmp: scratch of n). Stability keeps
 * value_counts' ties in order of first appearance. */
static void sort_groups(const order_ctx *o, int64_t *idx, int64_t *tmp, int64_t n)
{
        if (n < 2)
                return;
        int64_t m = n / 2;
        sort_groups(o, idx, tmp, m);
        sort_groups(o, idx + m, tmp, n - m);
        int64_t i = 0, j = m, k = 0;
        while (i < m && j < n)
                tmp[k++] = cmp_groups(o, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
        while (i < m)
                tmp[k++] = idx[i++];
        memcpy(idx, tmp, (size_t)k * sizeof *idx);
}

static const char *stat_word(int s)
{
        switch (s) {
        case -1: return "size";
        case 0: return "count";
        case PAR_STAT_SUM: return "sum";
        case PAR_STAT_MIN: return "min";
        case PAR_STAT_MAX: return "max";
        default: return "mean";
        }
}

/* Column for aggregation a, rows in idx order. */
static par_value *result_column(const gspec *sp, const gtable *g, size_t a,
                                const int64_t *idx)
{
        int64_t n = g->ngroups;
        size_t s = 0;
        while (sp->st[s].agg != (int)a)
                s++;
        const gstate *st = &g->s[s];
        par_dtype t = sp->stat[a] == PAR_STAT_MEAN || st->f ? PAR_DTYPE_FLOAT64
                      : (sp->stat[a] == PAR_STAT_MIN || sp->stat[a] == PAR_STAT_MAX) &&
                                      sp->ct[a] == PAR_DTYPE_BOOL
                              ? PAR_DTYPE_BOOL
                              : PAR_DTYPE_INT64;
        par__column *c = par__column_alloc(t, n, 0);
        if (!c)
                return NULL;
        for (int64_t i = 0; i < n; i++) {
                int64_t j = idx[i];
                if (sp->stat[a] == PAR_STAT_MEAN) {
                        int64_t cnt = g->s[s + 1].i[j];
                        ((double *)c->data)[i] = cnt ? st->f[j] / (double)cnt : NAN;
                } else if (t == PAR_DTYPE_FLOAT64) {
                        ((double *)c->data)[i] = st->f[j];
                } else if (t == PAR_DTYPE_BOOL) {
                        ((uint8_t *)c->data)[i] = (uint8_t)st->i[j];
                } else {
                        ((int64_t *)c->data)[i] = st->i[j];
                }
                bool null = (st->seen && !st->seen[j]) ||
                            (sp->stat[a] == PAR_STAT_MEAN && !g->s[s + 1].i[j]);
                if (null) {
                        if (!c->validity && par__column_add_validity(c) < 0) {
                                par__column_discard(c);
                                return NULL;
                        }
                        par__column_set_null(c, i);
                }
        }
        return par__column_finish(c);
}

static par_value *final_table(const gspec *sp, const gtable *g, const int64_t *idx)
{
        size_t nc = sp->nk + sp->na;
        par_value *cols[MAXK + MAXA] = {0};
        const char *names[MAXK + MAXA] = {0};
        char nm[MAXA][256];
        size_t made = 0;
        for (size_t i = 0; i < nc; i++, made++) {
                if (i < sp->nk) {
                        names[i] = sp->counts ? "value" : sp->key[i];
                        cols[i] = result_key(&g->k[i], idx, g->ngroups);
                } else {
                        size_t a = i - sp->nk;
                        if (sp->counts)
                                snprintf(nm[a], sizeof nm[a], "count");
                        else
                                snprintf(nm[a], sizeof nm[a], "%s_%s", sp->col[a],
                                         stat_word(sp->stat[a]));
                        names[i] = nm[a];
                        cols[i] = result_column(sp, g, a, idx);
                }
                if (!cols[i])
                        break;
        }
        par_value *t = made == nc ? par_table_new(nc, names, cols) : NULL;
        for (size_t i = 0; i < made; i++)
                par_value_release(cols[i]);
        return t;
}

/* (spec, partial) -> the result table */
static int op_group_final(par_task_ctx *ctx, size_t n, par_value *const *args,
                          par_value **out)
{
        (void)n;
        gspec sp;
        int rc = spec_decode(ctx, args[0], &sp);
        if (rc < 0)
                return rc;
        gtable g;
        rc = merge_partials(ctx, &sp, 1, args + 1, &g);
        int64_t ng = g.ngroups;
        int64_t *idx = rc == 0 ? par__malloc((size_t)(ng + 1) * sizeof *idx) : NULL;
        int64_t *tmp = rc == 0 ? par__malloc((size_t)(ng + 1) * sizeof *tmp) : NULL;
        *out = NULL;
        if (idx && tmp) {
                for (int64_t i = 0; i < ng; i++)
                        idx[i] = i;
                order_ctx o = {&g, sp.counts ? g.s[0].i : NULL};
                sort_groups(&o, idx, tmp, ng);
                *out = final_table(&sp, &g, idx);
        }
        par__free(idx);
        par__free(tmp);
        gtable_free(&g);
        if (rc < 0)
                return rc;
        return *out ? 0 : par_task_fail(ctx, PAR_ENOMEM, "out of memory");
}

/* ---- building the graph ------------------------------------------------------ */

int par__frame_find_column(const par_frame *f, const char *op, const char *name,
                       par_error *err)
{
        for (size_t i = 0; i < f->ncols; i++)
                if (strcmp(f->names[i], name) == 0)
                        return (int)i;
        char have[512];
        size_t at = 0;
        have[0] = '\0';
        for (size_t i = 0; i < f->ncols && at < sizeof have; i++)
                at += (size_t)snprintf(have + at, sizeof have - at, "%s'%s'",
                                       i ? ", " : "", f->names[i]);
        return par__errorf(err, PAR_EINVAL, "%s: no column '%s' in the frame (columns: %s)",
                           op, name, have);
}

static int check_agg(const par_frame *f, int c, int stat, par_error *err)
{
        par_dtype t = f->dtypes[c];
        if (stat == 0)
                return 0;
        if (stat < PAR_STAT_SUM || stat > PAR_STAT_MEAN)
                return par__errorf(err, PAR_EINVAL,
                                   "groupby: aggregation %d of column '%s' is not one of "
                                   "count, sum, mean, min, max",
                                   stat, f->names[c]);
        if (t != PAR_DTYPE_INT64 && t != PAR_DTYPE_FLOAT64 && t != PAR_DTYPE_BOOL)
                return par__errorf(err, PAR_ETYPE,
                                   "groupby: column '%s' is %s; %s needs numbers",
                                   f->names[c], par_dtype_name(t), stat_word(stat));
        return 0;
}

static int group_tree(par_frame *f, const gspec *sp, const par_agg_opts *opts,
                      par_delayed **out, par_error *err)
{
        par_value *spec = spec_encode(sp);
        par_bag *view = NULL;
        int rc = spec ? par__frame_as_bag(f, &view, err) : PAR__ENOMEM(err, "groupby");
        if (rc == 0) {
                par_arg a = par_arg_value(spec);
                rc = par__bag_tree(view, sp->counts ? "value-counts" : "groupby",
                                   "par.frame.group_part", 1, &a,
                                   "par.frame.group_combine", 1, &a,
                                   "par.frame.group_final", 1, &a,
                                   opts ? opts->split_every : 0, out, err);
        }
        par_bag_release(view);
        par_value_release(spec);
        return rc;
}

int par_frame_groupby(par_frame *f, size_t nkeys, const char *const *keys, size_t n,
                      const char *const *columns, const par_stat *stats,
                      const par_agg_opts *opts, par_delayed **out, par_error *err)
{
        if (out)
                *out = NULL;
        if (!f || !out || (n && (!columns || !stats)) || (nkeys && !keys))
                return par__errorf(err, PAR_EINVAL,
                                   "groupby: frame, keys, aggregations and out are "
                                   "required");
        if (nkeys == 0)
                return par__errorf(err, PAR_EINVAL, "groupby: no key columns given");
        if (n == 0)
                return par__errorf(err, PAR_EINVAL, "groupby: no aggregations given");
        if (nkeys > MAXK || n > MAXA)
                return par__errorf(err, PAR_EINVAL,
                                   "groupby: %zu keys and %zu aggregations; at most %d "
                                   "and %d",
                                   nkeys, n, MAXK, MAXA);
        gspec sp;
        memset(&sp, 0, sizeof sp);
        sp.nk = nkeys;
        sp.na = n;
        for (size_t i = 0; i < nkeys; i++) {
                int c = keys[i] ? par__frame_find_column(f, "groupby", keys[i], err)
                                : par__errorf(err, PAR_EINVAL, "groupby: key %zu is NULL",
                                              i);
                if (c < 0)
                        return c;
                if (f->dtypes[c] == PAR_DTYPE_LIST)
                        return par__errorf(err, PAR_ETYPE,
                                           "groupby: key column '%s' is a list; expected "
                                           "int64, float64, bool or string",
                                           keys[i]);
                sp.key[i] = f->names[c];
                sp.kt[i] = f->dtypes[c];
        }
        for (size_t i = 0; i < n; i++) {
                int c = columns[i] ? par__frame_find_column(f, "groupby", columns[i], err)
                                   : par__errorf(err, PAR_EINVAL,
                                                 "groupby: column %zu is NULL", i);
                if (c < 0)
                        return c;
                int rc = check_agg(f, c, (int)stats[i], err);
                if (rc < 0)
                        return rc;
                sp.col[i] = f->names[c];
                sp.ct[i] = f->dtypes[c];
                sp.stat[i] = (int)stats[i];
        }
        spec_states(&sp);
        return group_tree(f, &sp, opts, out, err);
}

int par_frame_groupby_agg(par_frame *f, const char *key, size_t n,
                          const char *const *columns, const par_stat *stats,
                          par_delayed **out, par_error *err)
{
        return par_frame_groupby(f, key ? 1 : 0, &key, n, columns, stats, NULL, out,
                                 err);
}

int par_frame_value_counts(par_frame *f, const char *column, par_delayed **out,
                           par_error *err)
{
        if (out)
                *out = NULL;
        if (!f || !column || !out)
                return par__errorf(err, PAR_EINVAL,
                                   "value_counts: frame, column and out are required");
        int c = par__frame_find_column(f, "value_counts", column, err);
        if (c < 0)
                return c;
        if (f->dtypes[c] == PAR_DTYPE_LIST)
                return par__errorf(err, PAR_ETYPE,
                                   "value_counts: column '%s' is a list; expected int64, "
                                   "float64, bool or string",
                                   column);
        gspec sp;
        memset(&sp, 0, sizeof sp);
        sp.nk = sp.na = 1;
        sp.key[0] = sp.col[0] = f->names[c];
        sp.kt[0] = sp.ct[0] = f->dtypes[c];
        sp.stat[0] = -1;
        sp.counts = true;
        spec_states(&sp);
        return group_tree(f, &sp, NULL, out, err);
}

void par__frame_register_groupby_ops(void)
{
        par_op_register("par.frame.group_part", op_group_part, NULL);
        par_op_register("par.frame.group_combine", op_group_combine, NULL);
        par_op_register("par.frame.group_final", op_group_final, NULL);
}
