/* libpar/kernels/text_gzip.c — par__gunzip over zlib's inflate.
 *
 * windowBits 15 + 32: gzip (and zlib) headers are detected. Members are
 * decoded one after another until the input ends (as gzip -d and Python's
 * gzip do); zero bytes after the last member are padding and ignored. The
 * output buffer starts at the last member's ISIZE (exact for one member
 * under 4 GiB and under 8 times the input), then doubles. zlib allocates
 * through par__malloc.
 *
 * Built without zlib (PAR_HAVE_ZLIB unset or 0), par__gunzip fails with
 * PAR_ENOTSUP. */

#include "core/internal.h"
#include "kernels/text.h"
#include "par_config.h"

#if defined(PAR_HAVE_ZLIB) && PAR_HAVE_ZLIB

#include <zlib.h>

/* zlib counts in uInt; feed it at most this much per call. */
#define ZCHUNK ((size_t)1 << 30)

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
        (void)opaque;
        if (size && items > SIZE_MAX / size)
                return Z_NULL;
        return par__malloc((size_t)items * size);
}

static void z_free(voidpf opaque, voidpf p)
{
        (void)opaque;
        par__free(p);
}

/* A gzip member or a zlib stream can start here. */
static bool member_header(const unsigned char *p, size_t n)
{
        if (n < 2)
                return n == 1 && p[0] == 0x1f; /* cut short: "truncated" */
        if (p[0] == 0x1f && p[1] == 0x8b)
                return true;
        /* zlib: CM 8, window <= 32K, header check a multiple of 31 */
        return (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 &&
               ((unsigned)p[0] * 256 + p[1]) % 31 == 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

int par__gunzip(const char *name, const void *in, size_t n, char **out,
                size_t *outlen, par_error *err)
{
        *out = NULL;
        *outlen = 0;
        if (!name)
                name = "gzip data";
        const unsigned char *src = in;
        if (n > 0 && !member_header(src, n))
                return par__errorf(err, PAR_EPARSE, "%s: not gzip data", name);

        /* First guess: the last member's ISIZE (mod 2^32), capped at 8
         * times the input (a damaged trailer must not reserve gigabytes);
         * doubling (realloc, mremap for large blocks) does the rest. */
        size_t cap = 4 * n + 256;
        if (n >= 18) {
                const unsigned char *t = src + n - 4;
                size_t isize = (size_t)t[0] | (size_t)t[1] << 8 |
                               (size_t)t[2] << 16 | (size_t)t[3] << 24;
                size_t most = n > (SIZE_MAX - 4096) / 8 ? SIZE_MAX : 8 * n + 4096;
                if (isize > 0)
                        cap = isize < most ? isize + 1 : most;
        }
        char *buf = par__malloc(cap);
        if (!buf)
                return par__errorf(err, PAR_ENOMEM,
                                   "%s: out of memory while decompressing",
                                   name);
        if (n == 0) {
                *out = buf;
                return 0;
        }

        z_stream zs;
        memset(&zs, 0, sizeof zs);
        zs.zalloc = z_alloc;
        zs.zfree = z_free;
        int zrc = inflateInit2(&zs, 15 + 32);
        if (zrc != Z_OK) {
                par__free(buf);
                if (zrc == Z_MEM_ERROR)
                        return par__errorf(err, PAR_ENOMEM,
                                           "%s: out of memory while decompressing",
                                           name);
                return par__errorf(err, PAR_ENOTSUP,
                                   "%s: zlib cannot decompress (%s)", name,
                                   zs.msg ? zs.msg : zError(zrc));
        }

        size_t ipos = 0, opos = 0;
        int rc = 0;
        for (;;) {
                if (opos == cap) {
                        size_t ncap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
                        char *nb = ncap > cap ? par__realloc(buf, ncap) : NULL;
                        if (!nb) {
                                rc = par__errorf(err, PAR_ENOMEM,
                                                 "%s: out of memory while "
                                                 "decompressing (%zu bytes so far)",
                                                 name, opos);
                                break;
                        }
                        buf = nb;
                        cap = ncap;
                }
                size_t ain = n - ipos < ZCHUNK ? n - ipos : ZCHUNK;
                size_t aout = cap - opos < ZCHUNK ? cap - opos : ZCHUNK;
                zs.next_in = (Bytef *)(uintptr_t)(src + ipos);
                zs.avail_in = (uInt)ain;
                zs.next_out = (Bytef *)(buf + opos);
                zs.avail_out = (uInt)aout;
                zrc = inflate(&zs, Z_NO_FLUSH);
                ipos += ain - zs.avail_in;
                opos += aout - zs.avail_out;

                if (zrc == Z_STREAM_END) {
                        /* End of a member: another may follow. */
                        if (ipos == n || all_zero(src + ipos, n - ipos))
                                break;
                        if (!member_header(src + ipos, n - ipos)) {
                                rc = par__errorf(err, PAR_EPARSE,
                                                 "%s: corrupt gzip data at byte %zu "
                                                 "(trailing data is not a gzip member)",
                                                 name, ipos);
                                break;
                        }
                        inflateReset(&zs);
                        continue;
                }
                if (zrc == Z_OK)
                        continue;
                if (zrc == Z_BUF_ERROR && zs.avail_out == 0)
                        continue; /* output full: grow */
                if (zrc == Z_BUF_ERROR && ipos == n) {
                        rc = par__errorf(err, PAR_EPARSE,
                                         "%s: truncated gzip data (input ends "
                                         "inside a member after %zu bytes)",
                                         name, n);
                        break;
                }
                if (zrc == Z_MEM_ERROR) {
                        rc = par__errorf(err, PAR_ENOMEM,
                                         "%s: out of memory while decompressing",
                                         name);
                        break;
                }
                /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
                rc = par__errorf(err, PAR_EPARSE,
                                 "%s: corrupt gzip data at byte %zu (%s)", name,
                                 ipos,
                                 zrc == Z_NEED_DICT ? "needs a preset dictionary"
                                 : zs.msg        ? zs.msg
                                                 : zError(zrc));
                break;
        }
        inflateEnd(&zs);
        if (rc < 0) {
                par__free(buf);
                return rc;
        }
        /* Give back a large unused tail. */
        if (cap - opos > 4096 && cap - opos > cap / 4) {
                char *nb = par__realloc(buf, opos);
                if (nb)
                        buf = nb;
        }
        *out = buf;
        *outlen = opos;
        return 0;
}

#else /* no zlib */

int par__gunzip(const char *name, const void *in, size_t n, char **out,
                size_t *outlen, par_error *err)
{
        (void)in;
        (void)n;
        *out = NULL;
        *outlen = 0;
        return par__errorf(err, PAR_ENOTSUP,
                           "%s: cannot decompress gzip: par was built without zlib",
                           name ? name : "gzip data");
}

#endif
