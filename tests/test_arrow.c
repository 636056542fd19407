/* The Arrow C Data Interface: an exported table read through the
 * specification's buffer layout alone (validity bitmap, values, int64
 * offsets), then imported back and compared value by value; the export
 * keeps the table alive until released; bad input is refused. */
#include "check.h"
#include "par.h"

int main(void)
{
        par_error err = {0};
        int64_t iv[5] = {1, -2, 3, 4, 5};
        double fv[5] = {0.5, 1e300, -0.0, 4, 5};
        bool bv[5] = {true, false, true, true, false};
        uint8_t validity = 0x1d; /* row 1 null */
        const char *sv[5] = {"a", "God", NULL, "", "x,y"};
        par_value *cols[4] = {par_column_from_int64(iv, 5, &validity),
                              par_column_from_float64(fv, 5, NULL),
                              par_column_from_bool(bv, 5, NULL),
                              par_column_from_cstrings(sv, 5)};
        par_value *t = par_table_new(4, (const char *[]){"i", "f", "b", "s"}, cols);
        for (int i = 0; i < 4; i++)
                par_value_release(cols[i]);

        struct ArrowSchema s;
        struct ArrowArray a;
        CHECK_OK(par_table_to_arrow(t, &s, &a, &err), &err);
        par_value_release(t); /* the export holds its own reference */
        CHECK(strcmp(s.format, "+s") == 0 && s.n_children == 4 && a.length == 5);
        CHECK(strcmp(s.children[0]->format, "l") == 0 &&
              strcmp(s.children[1]->format, "g") == 0 &&
              strcmp(s.children[2]->format, "b") == 0 &&
              strcmp(s.children[3]->format, "U") == 0);
        CHECK(strcmp(s.children[3]->name, "s") == 0);
        /* Read as a consumer would, from the buffers alone. */
        const struct ArrowArray *ci = a.children[0];
        const uint8_t *vb = ci->buffers[0];
        CHECK(ci->null_count == 1 && vb && !(vb[0] & 2) && (vb[0] & 1));
        CHECK(((const int64_t *)ci->buffers[1])[4] == 5);
        CHECK(((const double *)a.children[1]->buffers[1])[1] == 1e300);
        const uint8_t *bits = a.children[2]->buffers[1];
        CHECK(bits[0] == 0x0d); /* true false true true false */
        const struct ArrowArray *cs = a.children[3];
        const int64_t *off = cs->buffers[1];
        const char *bytes = cs->buffers[2];
        CHECK(cs->null_count == 1 && off[2] - off[1] == 3 &&
              memcmp(bytes + off[1], "God", 3) == 0 && off[5] - off[4] == 3);

        par_value *back = NULL;
        CHECK_OK(par_table_from_arrow(&s, &a, &back, &err), &err);
        CHECK(s.release == NULL && a.release == NULL); /* moved and released */
        CHECK(par_table_length(back) == 5 && par_table_ncols(back) == 4);
        CHECK(!par_column_is_valid(par_table_column(back, 0), 1));
        CHECK(par_column_int64(par_table_column(back, 0))[2] == 3);
        CHECK(par_column_bool(par_table_column(back, 2))[3] == 1);
        size_t len;
        const char *x = par_column_string(par_table_column(back, 3), 4, &len);
        CHECK(len == 3 && memcmp(x, "x,y", 3) == 0);
        CHECK(!par_column_is_valid(par_table_column(back, 3), 2));
        CHECK(memcmp(&par_column_float64(par_table_column(back, 1))[2], &fv[2], 8) == 0);
        par_value_release(back);

        /* Unsupported input is refused and still released. */
        par_value *lst = par_value_int64(1);
        CHECK(par_table_to_arrow(lst, &s, &a, &err) == PAR_EINVAL);
        par_value_release(lst);
        return check_done("test_arrow");
}
