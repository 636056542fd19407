/* The Arrow C Data Interface: tables out (sharing buffers) and in
 * (copying). Export keeps a reference to the table in the top-level
 * array's private data; each child's buffers point into the table's
 * columns, except bool columns, whose byte-per-value data is packed into a
 * bitmap the export owns. */
#include <inttypes.h>
#include <stdio.h>

#include "frame/internal.h"

typedef struct export_priv {
        par_value *table;      /* top level only */
        const void *buffers[3];
        void *owned[2];        /* bitmaps made for the export */
        int64_t *offsets;      /* rebased offsets, when a slice starts > 0 */
        struct ArrowArray **children;
        struct ArrowArray *child_mem;
} export_priv;

static void release_child_array(struct ArrowArray *a)
{
        export_priv *p = a->private_data;
        par__free(p->owned[0]);
        par__free(p->owned[1]);
        par__free(p->offsets);
        par__free(p);
        a->release = NULL;
}

static void release_array(struct ArrowArray *a)
{
        export_priv *p = a->private_data;
        for (int64_t i = 0; i < a->n_children; i++)
                if (p->child_mem[i].release)
                        p->child_mem[i].release(&p->child_mem[i]);
        par__free(p->child_mem);
        par__free(p->children);
        par_value_release(p->table);
        par__free(p);
        a->release = NULL;
}

typedef struct schema_priv {
        char *name;
        struct ArrowSchema **children;
        struct ArrowSchema *child_mem;
} schema_priv;

static void release_child_schema(struct ArrowSchema *s)
{
        schema_priv *p = s->private_data;
        par__free(p->name);
        par__free(p);
        s->release = NULL;
}

static void release_schema(struct ArrowSchema *s)
{
        schema_priv *p = s->private_data;
        for (int64_t i = 0; i < s->n_children; i++)
                if (p->child_mem[i].release)
                        p->child_mem[i].release(&p->child_mem[i]);
        par__free(p->child_mem);
        par__free(p->children);
        par__free(p);
        s->release = NULL;
}

static const char *format_of(par_dtype t)
{
        switch (t) {
        case PAR_DTYPE_INT64: return "l";
        case PAR_DTYPE_FLOAT64: return "g";
        case PAR_DTYPE_BOOL: return "b";
        case PAR_DTYPE_STRING: return "U";
        default: return NULL;
        }
}

static int export_column(const par_value *col, struct ArrowArray *a)
{
        export_priv *p = par__calloc(1, sizeof *p);
        if (!p)
                return PAR_ENOMEM;
        int64_t n = par_column_length(col);
        size_t nb = (size_t)(n + 7) / 8;
        p->buffers[0] = par_column_validity(col);
        switch (par_column_dtype(col)) {
        case PAR_DTYPE_INT64:
                p->buffers[1] = par_column_int64(col);
                break;
        case PAR_DTYPE_FLOAT64:
                p->buffers[1] = par_column_float64(col);
                break;
        case PAR_DTYPE_BOOL: {
                uint8_t *bits = par__calloc(nb ? nb : 1, 1);
                if (!bits) {
                        par__free(p);
                        return PAR_ENOMEM;
                }
                const uint8_t *v = par_column_bool(col);
                for (int64_t i = 0; i < n; i++)
                        if (v[i])
                                bits[i >> 3] |= (uint8_t)(1u << (i & 7));
                p->owned[0] = bits;
                p->buffers[1] = bits;
                break;
        }
        default: {
                const int64_t *off = par_column_offsets(col);
                if (off[0] != 0) {
                        p->offsets = par__malloc((size_t)(n + 1) * sizeof *p->offsets);
                        if (!p->offsets) {
                                par__free(p);
                                return PAR_ENOMEM;
                        }
                        for (int64_t i = 0; i <= n; i++)
                                p->offsets[i] = off[i] - off[0];
                        p->buffers[2] = par_column_bytes(col) + off[0];
                        p->buffers[1] = p->offsets;
                } else {
                        p->buffers[1] = off;
                        p->buffers[2] = par_column_bytes(col);
                }
                break;
        }
        }
        *a = (struct ArrowArray){.length = n,
                                 .null_count = par_column_null_count(col),
                                 .n_buffers = par_column_dtype(col) == PAR_DTYPE_STRING ? 3 : 2,
                                 .buffers = p->buffers,
                                 .release = release_child_array,
                                 .private_data = p};
        return 0;
}

int par_table_to_arrow(const par_value *table, struct ArrowSchema *schema,
                       struct ArrowArray *array, par_error *err)
{
        if (!par_value_is_table(table) || !schema || !array)
                return par__errorf(err, PAR_EINVAL,
                                   "par_table_to_arrow: a table, a schema and an "
                                   "array are required");
        size_t nc = par_table_ncols(table);
        for (size_t i = 0; i < nc; i++)
                if (!format_of(par_column_dtype(par_table_column(table, i))))
                        return par__errorf(err, PAR_EINVAL,
                                           "par_table_to_arrow: column '%s' is a %s "
                                           "column, which has no Arrow export here",
                                           par_table_name(table, i),
                                           par_dtype_name(par_column_dtype(
                                                   par_table_column(table, i))));
        schema_priv *sp = par__calloc(1, sizeof *sp);
        export_priv *ap = par__calloc(1, sizeof *ap);
        if (sp) {
                sp->children = par__calloc(nc ? nc : 1, sizeof *sp->children);
                sp->child_mem = par__calloc(nc ? nc : 1, sizeof *sp->child_mem);
        }
        if (ap) {
                ap->children = par__calloc(nc ? nc : 1, sizeof *ap->children);
                ap->child_mem = par__calloc(nc ? nc : 1, sizeof *ap->child_mem);
        }
        if (!sp || !ap || !sp->children || !sp->child_mem || !ap->children ||
            !ap->child_mem)
                goto nomem;
        *schema = (struct ArrowSchema){.format = "+s",
                                       .name = "",
                                       .n_children = (int64_t)nc,
                                       .children = sp->children,
                                       .release = release_schema,
                                       .private_data = sp};
        *array = (struct ArrowArray){.length = par_table_length(table),
                                     .n_buffers = 1,
                                     .n_children = (int64_t)nc,
                                     .buffers = ap->buffers,
                                     .children = ap->children,
                                     .release = release_array,
                                     .private_data = ap};
        ap->table = par_value_retain((par_value *)table);
        for (size_t i = 0; i < nc; i++) {
                par_value *col = par_table_column(table, i);
                schema_priv *cp = par__calloc(1, sizeof *cp);
                char *name = par__strdup(par_table_name(table, i));
                if (!cp || !name || export_column(col, &ap->child_mem[i]) < 0) {
                        par__free(cp);
                        par__free(name);
                        schema->release(schema);
                        array->release(array);
                        return PAR__ENOMEM(err, "exporting to Arrow");
                }
                cp->name = name;
                sp->child_mem[i] = (struct ArrowSchema){
                        .format = format_of(par_column_dtype(col)),
                        .name = name,
                        .flags = ARROW_FLAG_NULLABLE,
                        .release = release_child_schema,
                        .private_data = cp};
                sp->children[i] = &sp->child_mem[i];
                ap->children[i] = &ap->child_mem[i];
        }
        return 0;
nomem:
        if (sp) {
                par__free(sp->children);
                par__free(sp->child_mem);
        }
        if (ap) {
                par__free(ap->children);
                par__free(ap->child_mem);
        }
        par__free(sp);
        par__free(ap);
        return PAR__ENOMEM(err, "exporting to Arrow");
}

static bool bit(const uint8_t *bm, int64_t i)
{
        return !bm || (bm[i >> 3] >> (i & 7) & 1);
}

static int import_child(const struct ArrowSchema *s, const struct ArrowArray *a,
                        int64_t len, par_value **out, par_error *err)
{
        const char *f = s->format;
        int64_t off = a->offset;
        if (a->length != len)
                return par__errorf(err, PAR_EINVAL,
                                   "Arrow import: child '%s' has %" PRId64
                                   " rows, the struct %" PRId64,
                                   s->name ? s->name : "", a->length, len);
        const uint8_t *valid = a->null_count ? a->buffers[0] : NULL;
        par_dtype t = strcmp(f, "l") == 0   ? PAR_DTYPE_INT64
                      : strcmp(f, "g") == 0 ? PAR_DTYPE_FLOAT64
                      : strcmp(f, "b") == 0 ? PAR_DTYPE_BOOL
                      : strcmp(f, "u") == 0 || strcmp(f, "U") == 0 ? PAR_DTYPE_STRING
                                                                    : PAR_DTYPE_NONE;
        if (t == PAR_DTYPE_NONE)
                return par__errorf(err, PAR_ENOTSUP,
                                   "Arrow import: column '%s' has format '%s'; "
                                   "supported: l g b u U",
                                   s->name ? s->name : "", f);
        size_t nbytes = 0;
        if (t == PAR_DTYPE_STRING) {
                if (f[0] == 'u') {
                        const int32_t *o = a->buffers[1];
                        nbytes = (size_t)(o[off + len] - o[off]);
                } else {
                        const int64_t *o = a->buffers[1];
                        nbytes = (size_t)(o[off + len] - o[off]);
                }
        }
        par__column *c = par__column_alloc(t, len, nbytes);
        if (!c)
                return PAR__ENOMEM(err, "importing from Arrow");
        if (valid && par__column_add_validity(c) < 0) {
                par__column_discard(c);
                return PAR__ENOMEM(err, "importing from Arrow");
        }
        for (int64_t i = 0; i < len; i++) {
                if (valid && !bit(valid, off + i))
                        par__column_set_null(c, i);
                switch (t) {
                case PAR_DTYPE_INT64:
                        ((int64_t *)c->data)[i] = ((const int64_t *)a->buffers[1])[off + i];
                        break;
                case PAR_DTYPE_FLOAT64:
                        ((double *)c->data)[i] = ((const double *)a->buffers[1])[off + i];
                        break;
                case PAR_DTYPE_BOOL:
                        ((uint8_t *)c->data)[i] = bit(a->buffers[1], off + i);
                        break;
                default:
                        break;
                }
        }
        if (t == PAR_DTYPE_STRING) {
                const char *bytes = a->buffers[2];
                int64_t base = f[0] == 'u' ? ((const int32_t *)a->buffers[1])[off]
                                           : ((const int64_t *)a->buffers[1])[off];
                for (int64_t i = 0; i <= len; i++) {
                        int64_t o = f[0] == 'u' ? ((const int32_t *)a->buffers[1])[off + i]
                                                : ((const int64_t *)a->buffers[1])[off + i];
                        c->offsets[i] = o - base;
                }
                if (nbytes)
                        memcpy(c->data, bytes + base, nbytes);
        }
        *out = par__column_finish(c);
        return *out ? 0 : PAR__ENOMEM(err, "importing from Arrow");
}

int par_table_from_arrow(struct ArrowSchema *schema, struct ArrowArray *array,
                         par_value **out, par_error *err)
{
        if (!out || !schema || !array || !schema->release || !array->release)
                return par__errorf(err, PAR_EINVAL,
                                   "par_table_from_arrow: a live schema and array "
                                   "and out are required");
        *out = NULL;
        int rc = 0;
        size_t nc = (size_t)schema->n_children;
        par_value **cols = NULL;
        const char **names = NULL;
        if (strcmp(schema->format, "+s") != 0 || array->n_children != schema->n_children ||
            array->offset != 0) {
                rc = par__errorf(err, PAR_ENOTSUP,
                                 "Arrow import: expected a struct array ('+s') "
                                 "without offset, got '%s'",
                                 schema->format);
                goto done;
        }
        cols = par__calloc(nc ? nc : 1, sizeof *cols);
        names = par__calloc(nc ? nc : 1, sizeof *names);
        if (!cols || !names) {
                rc = PAR__ENOMEM(err, "importing from Arrow");
                goto done;
        }
        for (size_t i = 0; i < nc && rc == 0; i++) {
                names[i] = schema->children[i]->name ? schema->children[i]->name : "";
                rc = import_child(schema->children[i], array->children[i],
                                  array->length, &cols[i], err);
        }
        if (rc == 0) {
                *out = par_table_new(nc, names, cols);
                if (!*out)
                        rc = PAR__ENOMEM(err, "importing from Arrow");
        }
done:
        for (size_t i = 0; cols && i < nc; i++)
                par_value_release(cols[i]);
        par__free(cols);
        par__free(names);
        schema->release(schema);
        array->release(array);
        return rc;
}
