/* libpar/kernels/text_regex.c — par__regex over PCRE2 (8-bit code units,
 * UTF-8, Unicode properties as Python's re uses for str patterns),
 * JIT-compiled when PCRE2's JIT is available, the interpreter otherwise.
 *
 * The compiled code is immutable and shared (refcounted) by a regex and
 * its clones; each par__regex owns its match-data block, which is why one
 * regex serves one thread at a time. All PCRE2 allocations go through
 * par__malloc/par__free (a PCRE2 general context), except the executable
 * memory of JIT code, which PCRE2 maps itself.
 *
 * Built without PCRE2 (PAR_HAVE_PCRE2 unset or 0), par__regex_new and
 * par__regex_clone fail with PAR_ENOTSUP. */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/internal.h"
#include "kernels/text.h"
#include "par_config.h"

/* Patterns longer than this are shortened ("...") in error messages. */
#define MSG_PATTERN_MAX 160

#if defined(PAR_HAVE_PCRE2) && PAR_HAVE_PCRE2

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

typedef struct {
        atomic_size_t refs;
        pcre2_general_context *gctx;
        pcre2_code *code;
} regex_code;

struct par__regex {
        regex_code *rc;
        pcre2_match_data *md;
};

static void *pcre_malloc(PCRE2_SIZE n, void *ud)
{
        (void)ud;
        return par__malloc(n);
}

static void pcre_free(void *p, void *ud)
{
        (void)ud;
        par__free(p);
}

static void code_release(regex_code *rc)
{
        if (atomic_fetch_sub_explicit(&rc->refs, 1, memory_order_acq_rel) != 1)
                return;
        pcre2_code_free(rc->code);
        pcre2_general_context_free(rc->gctx);
        par__free(rc);
}

int par__regex_new(const char *pattern, size_t len, par__regex **out,
                   par_error *err)
{
        *out = NULL;
        if (!pattern)
                pattern = "";
        const int plen = len > MSG_PATTERN_MAX ? MSG_PATTERN_MAX : (int)len;
        const char *dots = len > MSG_PATTERN_MAX ? "..." : "";
        regex_code *rc = par__malloc(sizeof *rc);
        par__regex *re = par__malloc(sizeof *re);
        pcre2_compile_context *cctx = NULL;
        if (rc) {
                atomic_init(&rc->refs, 1);
                rc->code = NULL;
                rc->gctx = NULL;
        }
        if (!rc || !re)
                goto nomem;
        rc->gctx = pcre2_general_context_create(pcre_malloc, pcre_free, NULL);
        if (!rc->gctx)
                goto nomem;
        cctx = pcre2_compile_context_create(rc->gctx);
        if (!cctx)
                goto nomem;

        uint32_t opts = PCRE2_UTF | PCRE2_UCP;
#ifdef PCRE2_MATCH_INVALID_UTF
        /* Subjects with invalid UTF-8 just fail to match there, with no
         * validity pass over every subject. */
        opts |= PCRE2_MATCH_INVALID_UTF;
#endif
        int ecode;
        PCRE2_SIZE eoff;
        rc->code = pcre2_compile((PCRE2_SPTR)pattern, len,
                                 opts, &ecode, &eoff, cctx);
        pcre2_compile_context_free(cctx);
        cctx = NULL;
        if (!rc->code) {
                if (ecode == PCRE2_ERROR_HEAP_FAILED)
                        goto nomem;
                PCRE2_UCHAR msg[256];
                if (pcre2_get_error_message(ecode, msg, sizeof msg) < 0)
                        snprintf((char *)msg, sizeof msg, "error %d", ecode);
                pcre2_general_context_free(rc->gctx);
                par__free(rc);
                par__free(re);
                return par__errorf(err, PAR_EINVAL,
                                   "regex '%.*s%s': %s at offset %zu", plen,
                                   pattern, dots, (const char *)msg,
                                   (size_t)eoff);
        }
        /* Without JIT support (or on failure) the interpreter runs it. */
        (void)pcre2_jit_compile(rc->code, PCRE2_JIT_COMPLETE);

        re->md = pcre2_match_data_create(1, rc->gctx);
        if (!re->md)
                goto nomem;
        re->rc = rc;
        *out = re;
        return 0;

nomem:
        pcre2_compile_context_free(cctx);
        if (rc) {
                pcre2_code_free(rc->code);
                pcre2_general_context_free(rc->gctx);
        }
        par__free(rc);
        par__free(re);
        return par__errorf(err, PAR_ENOMEM,
                           "out of memory while compiling regex '%.*s%s'",
                           plen, pattern, dots);
}

int par__regex_clone(const par__regex *re, par__regex **out, par_error *err)
{
        *out = NULL;
        par__regex *c = par__malloc(sizeof *c);
        if (!c)
                return PAR__ENOMEM(err, "cloning a regex");
        c->md = pcre2_match_data_create(1, re->rc->gctx);
        if (!c->md) {
                par__free(c);
                return PAR__ENOMEM(err, "cloning a regex");
        }
        atomic_fetch_add_explicit(&re->rc->refs, 1, memory_order_relaxed);
        c->rc = re->rc;
        *out = c;
        return 0;
}

void par__regex_free(par__regex *re)
{
        if (!re)
                return;
        pcre2_match_data_free(re->md);
        code_release(re->rc);
        par__free(re);
}

bool par__regex_search(par__regex *re, const char *s, size_t n)
{
        PCRE2_SPTR subj = (PCRE2_SPTR)(s ? s : "");
        int rc = pcre2_match(re->rc->code, subj, n, 0, 0, re->md, NULL);
        /* A pattern that outgrows the JIT's stack still has an answer:
         * the interpreter keeps its frames on the heap. */
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
                rc = pcre2_match(re->rc->code, subj, n, 0, PCRE2_NO_JIT,
                                 re->md, NULL);
        return rc >= 0;
}

#else /* no PCRE2 */

struct par__regex {
        int unused;
};

int par__regex_new(const char *pattern, size_t len, par__regex **out,
                   par_error *err)
{
        *out = NULL;
        const int plen = len > MSG_PATTERN_MAX ? MSG_PATTERN_MAX : (int)len;
        return par__errorf(err, PAR_ENOTSUP,
                           "regex '%.*s%s': par was built without PCRE2", plen,
                           pattern ? pattern : "",
                           len > MSG_PATTERN_MAX ? "..." : "");
}

int par__regex_clone(const par__regex *re, par__regex **out, par_error *err)
{
        (void)re;
        *out = NULL;
        return par__errorf(err, PAR_ENOTSUP, "par was built without PCRE2");
}

void par__regex_free(par__regex *re)
{
        (void)re;
}

bool par__regex_search(par__regex *re, const char *s, size_t n)
{
        (void)re;
        (void)s;
        (void)n;
        return false;
}

#endif
