/* Values: constructors, accessors, type errors, equality, formatting,
 * lists and objects, reference counting. */
#include <math.h>

#include "check.h"
#include "par.h"

static int freed;
static void obj_free(void *p)
{
        freed++;
        free(p);
}
static const par_object_type obj_type = {"test.obj", obj_free, NULL, NULL};

int main(void)
{
        par_error err = {0};
        char buf[128];

        par_value *i = par_value_int64(-42);
        par_value *f = par_value_float64(0.1);
        par_value *s = par_value_cstring("God");
        par_value *b = par_value_blob("\0\1\2", 3);
        CHECK(par_value_type(i) == PAR_TYPE_INT64);
        CHECK(par_value_int64_of(i) == -42);
        double d;
        CHECK(par_value_get_float64(i, &d, &err) == 0 && d == -42.0);
        int64_t iv;
        CHECK(par_value_get_int64(f, &iv, &err) == PAR_ETYPE);
        CHECK(strstr(err.message, "expected a value of type int64, got float64"));
        size_t len;
        CHECK(strcmp(par_value_bytes(s, &len), "God") == 0 && len == 3);
        CHECK(par_value_bytes(b, &len)[2] == 2 && len == 3);
        CHECK(par_value_bytes(i, &len) == NULL && len == 0);

        /* Formatting as Python's repr prints. */
        par_value_format(i, buf, sizeof buf);
        CHECK(strcmp(buf, "-42") == 0);
        par_value_format(f, buf, sizeof buf);
        CHECK(strcmp(buf, "0.1") == 0);
        par_value *whole = par_value_float64(9);
        par_value_format(whole, buf, sizeof buf);
        CHECK(strcmp(buf, "9.0") == 0);
        par_value *third = par_value_float64(1.0 / 3);
        par_value_format(third, buf, sizeof buf);
        CHECK(strtod(buf, NULL) == 1.0 / 3);

        /* Lists retain their items; equality is deep. */
        par_value *items[] = {i, f, s};
        par_value *l1 = par_value_list(3, items);
        par_value *l2 = par_value_list(3, items);
        CHECK(par_value_equal(l1, l2));
        CHECK(!par_value_equal(l1, i));
        CHECK(par_value_list_size(l1) == 3 && par_value_list_item(l1, 2) == s);
        CHECK(par_value_list_item(l1, 3) == NULL);
        int n = par_value_format(l1, buf, sizeof buf);
        CHECK(strcmp(buf, "[-42, 0.1, 'God']") == 0 && n == 17);
        /* Truncation keeps a terminated prefix and reports the full size. */
        n = par_value_format(l1, buf, 5);
        CHECK(strcmp(buf, "[-42") == 0 && n == 17);

        par_value *nan1 = par_value_float64(NAN);
        par_value *nan2 = par_value_float64(NAN);
        CHECK(par_value_equal(nan1, nan2));

        /* Objects: freed with the last reference. */
        par_value *o = par_value_object(&obj_type, malloc(16));
        par_value_retain(o);
        par_value_release(o);
        CHECK(freed == 0);
        par_value *ol = par_value_list(1, &o);
        par_value_release(o);
        CHECK(freed == 0);
        par_value_release(ol);
        CHECK(freed == 1);

        /* A deep list releases without recursion trouble. */
        par_value *deep = par_value_int64(0);
        for (int k = 0; k < 100000; k++) {
                par_value *next = par_value_list(1, &deep);
                par_value_release(deep);
                deep = next;
        }
        par_value_release(deep);

        CHECK(par_value_list(1, (par_value *[]){NULL}) == NULL);
        CHECK(strcmp(par_status_name(PAR_ECYCLE), "PAR_ECYCLE") == 0);
        CHECK(strcmp(par_strerror(PAR_ENOMEM), "out of memory") == 0);
        CHECK(strcmp(par_version(), PAR_VERSION_STRING) == 0);

        par_value *all[] = {i, f, s, b, whole, third, l1, l2, nan1, nan2};
        for (size_t k = 0; k < sizeof all / sizeof *all; k++)
                par_value_release(all[k]);
        par_value_release(NULL);
        /* Columns filled in place: large enough to come from the block
         * cache on a second round, and checked against the same numbers
         * copied in by par_column_from_*. */
        for (int round = 0; round < 2; round++) {
                int64_t cn = (int64_t)(3 << 20) / 8 + round, *iv64;
                double *fv;
                par_value *fc = par_column_new_float64(cn, &fv);
                par_value *ic = par_column_new_int64(cn, &iv64);
                CHECK(fc && fv && ic && iv64);
                if (!fc || !ic) {
                        par_value_release(fc);
                        par_value_release(ic);
                        break;
                }
                for (int64_t k = 0; k < cn; k++) {
                        fv[k] = 0.5 * (double)k - 7;
                        iv64[k] = k * k - 3;
                }
                double *ref = malloc((size_t)cn * sizeof *ref);
                for (int64_t k = 0; ref && k < cn; k++)
                        ref[k] = 0.5 * (double)k - 7;
                par_value *fr = ref ? par_column_from_float64(ref, cn, NULL) : NULL;
                CHECK(fr && par_column_length(fc) == cn &&
                      memcmp(par_column_float64(fc), par_column_float64(fr),
                             (size_t)cn * sizeof(double)) == 0);
                CHECK(par_column_length(ic) == cn && par_column_null_count(ic) == 0 &&
                      par_column_dtype(ic) == PAR_DTYPE_INT64 &&
                      par_column_int64(ic)[cn - 1] == (cn - 1) * (cn - 1) - 3);
                CHECK(par_column_float64(fc) == fv);
                par_value_release(fr);
                free(ref);
                par_value_release(fc);
                par_value_release(ic);
        }
        {
                double *fv = (double *)&err;
                CHECK(par_column_new_float64(-1, &fv) == NULL && fv == NULL);
                par_value *e = par_column_new_float64(0, &fv);
                CHECK(e && par_column_length(e) == 0);
                par_value_release(e);
        }

        return check_done("test_value");
}
