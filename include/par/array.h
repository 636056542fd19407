/* par/array.h — lazy, chunked arrays (Dask's dask.array).
 *
 * An array is 0-, 1- or 2-dimensional, of one dtype (par_dtype, from
 * par/column.h): PAR_DTYPE_FLOAT64 (the default: everything made from
 * doubles), PAR_DTYPE_FLOAT32, PAR_DTYPE_INT64 or PAR_DTYPE_BOOL (one
 * byte per element, 0 or 1). Operations follow NumPy's type promotion
 * (NEP 50; see "elementwise operations" below).
 *
 * It is split into a grid of chunks (blocks), as Dask's
 * chunks=((r0, r1, ...), (c0, c1, ...)): row blocks of runs of
 * consecutive rows, and for a 2-D array column blocks of runs of
 * consecutive columns. The functions that take a plain `chunk_rows` make
 * one column block (every column); those taking a par_chunk_spec choose
 * both axes. Row lengths are explicit: each is known, or unknown (-1)
 * when the array comes from a frame whose partition lengths were not
 * computed (as Dask's `nan` chunks); then the shape's row count is
 * unknown too. Column lengths are always known.
 *
 * Block (i, j) (row block i, column block j) of an array of R row blocks
 * and C column blocks is the task (name, i * C + j): row-major over the
 * grid, so an array of one column block has chunk i = task (name, i).
 *
 * Chunks are values (par_value objects of type "par.ndarray"), so they
 * flow through task graphs like frame partitions: flat chunk k of an
 * array is the task (name, k), k = i * C + j above. A chunk is a dense
 * matrix of the array's dtype stored in
 * COLUMN-MAJOR order (Fortran order): the elements of one column are
 * adjacent, so a column is a plain C array and selecting columns — the
 * common case, X = a[:, 1:2] — costs no copy. In general a chunk is a
 * strided view: element (i, j) is data[i * row_stride + j * col_stride],
 * which lets row and column slices (with steps, even negative ones) share
 * the buffer of the chunk they come from, as NumPy views do. A chunk made
 * by par_array_compute is always contiguous: row_stride 1, col_stride =
 * rows. A block of a transpose is a view with the strides swapped.
 *
 * Arrays are immutable and refcounted (par_array_retain/release); every
 * operation returns a new reference and keeps what it was derived from
 * alive. Nothing is computed until par_array_compute / par_array_persist
 * (or a function that says it computes).
 *
 * Errors: 0 or a negative status, with a message in the optional
 * par_error naming the operation, the chunk and what was expected. */
#ifndef PAR_ARRAY_H
#define PAR_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bag.h"
#include "client.h"
#include "core.h"
#include "frame.h"
#include "value.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct par_array par_array;

/* An omitted slice bound or step (Python's None in a[start:stop:step]). */
#define PAR_NONE INT64_MIN

/* How one axis is cut into blocks (Dask's chunks for one dimension):
 *   lens != NULL: n explicit lengths (each >= 0, summing to the axis's
 *                 length; n >= 1);
 *   size >= 1:    uniform blocks of `size` (the last one shorter; an
 *                 empty axis gives one empty block);
 *   size == PAR_CHUNK_WHOLE (-1): the whole axis in one block;
 *   size == 0:    in par_array_rechunk_grid, keep the axis as it is
 *                 (allowed with unknown row lengths); elsewhere an error.
 * Anything else (size < -1) is refused with PAR_EINVAL. A zero struct
 * means "keep" / invalid; {PAR_CHUNK_WHOLE} means one block. */
typedef struct par_chunk_spec {
        int64_t size;
        int64_t n;
        const int64_t *lens;
} par_chunk_spec;

#define PAR_CHUNK_WHOLE (-1)

/* The memory order of a caller's buffer. */
typedef enum par_layout {
        PAR_ROW_MAJOR = 0, /* C order: row i is data[i*cols .. i*cols+cols) */
        PAR_COL_MAJOR      /* Fortran order: column j is data[j*rows ..) */
} par_layout;

/* ---- chunks: the ndarray values ----------------------------------------------- */

PAR_API bool par_value_is_ndarray(const par_value *v);
/* 0, 1 or 2 (-1 if v is not an ndarray). A 1-D chunk has one column; a
 * 0-D one (a scalar result) one row and one column. */
PAR_API int par_ndarray_ndim(const par_value *v);
PAR_API int64_t par_ndarray_rows(const par_value *v);
PAR_API int64_t par_ndarray_cols(const par_value *v);
/* The element type: PAR_DTYPE_FLOAT64, _FLOAT32, _INT64 or _BOOL
 * (PAR_DTYPE_NONE if v is not an ndarray). */
PAR_API par_dtype par_ndarray_dtype(const par_value *v);
/* Element (0, 0) of a float64 chunk and the strides, in elements (not
 * bytes): element (i, j) is data[i * row_stride + j * col_stride]. Valid
 * while v lives. NULL for a chunk of another dtype (use par_ndarray_raw,
 * par_ndarray_get or par_ndarray_copy). */
PAR_API const double *par_ndarray_data(const par_value *v);
/* Element (0, 0) of any chunk, to be cast to its dtype's C type: double,
 * float, int64_t, or uint8_t (bool, 0 or 1); the strides are in elements
 * of that type. Valid while v lives; NULL if v is not an ndarray. */
PAR_API const void *par_ndarray_raw(const par_value *v);
PAR_API int64_t par_ndarray_row_stride(const par_value *v);
PAR_API int64_t par_ndarray_col_stride(const par_value *v);
/* Element (i, j) (j = 0 for 1-D and 0-D) converted to double (int64
 * beyond 2^53 rounds; bool gives 0 or 1); NaN when out of range. */
PAR_API double par_ndarray_get(const par_value *v, int64_t i, int64_t j);
/* Copies the elements into dst (rows * cols doubles) in `layout` order,
 * converted to double as par_ndarray_get. Returns 0, or PAR_EINVAL if v
 * is not an ndarray. */
PAR_API int par_ndarray_copy(const par_value *v, par_layout layout, double *dst,
                             par_error *err);
/* The same without conversion: dst receives rows * cols elements of the
 * chunk's dtype (par_ndarray_dtype; 8, 4, 8 or 1 bytes each). */
PAR_API int par_ndarray_copy_raw(const par_value *v, par_layout layout, void *dst,
                                 par_error *err);
/* A new contiguous 2-D float64 ndarray value copying `data` (NULL when
 * memory runs out or the arguments are invalid). */
PAR_API par_value *par_ndarray_from_buffer(const double *data, int64_t rows,
                                           int64_t cols, par_layout layout);
/* The same for any array dtype: `data` holds elements of its C type (bool:
 * uint8_t or C bool, any nonzero byte read as 1). NULL also for a dtype
 * arrays do not have. */
PAR_API par_value *par_ndarray_from_typed(const void *data, par_dtype dtype,
                                          int64_t rows, int64_t cols,
                                          par_layout layout);

/* ---- making arrays ------------------------------------------------------------- */

/* A 2-D array of `rows` x `cols` copied from `data` (laid out as `layout`
 * says), in chunks of `chunk_rows` rows (the last one shorter), as
 * da.from_array(x, chunks=(chunk_rows, cols)). rows = 0 gives one empty
 * chunk. Errors: PAR_EINVAL (negative sizes, chunk_rows < 1, NULL data
 * with rows*cols > 0), PAR_ENOMEM. */
PAR_API int par_array_from_buffer(const double *data, int64_t rows, int64_t cols,
                                  int64_t chunk_rows, par_layout layout,
                                  par_array **out, par_error *err);

/* par_array_from_buffer on a grid: chunks[0] cuts the rows, chunks[1]
 * the columns, as da.from_array(x, chunks=(rows_spec, cols_spec)). Each
 * block is its own contiguous chunk. Errors: PAR_EINVAL (as above; a spec
 * that is invalid or whose lengths do not add up to the axis, naming the
 * axis and both totals), PAR_ENOMEM. */
PAR_API int par_array_from_buffer_chunks(const double *data, int64_t rows,
                                         int64_t cols, par_layout layout,
                                         const par_chunk_spec chunks[2],
                                         par_array **out, par_error *err);

/* A 1-D array of n numbers copied from `data`, in chunks of chunk_rows. */
PAR_API int par_array_from_vector(const double *data, int64_t n,
                                  int64_t chunk_rows, par_array **out,
                                  par_error *err);

/* np.asarray(data, dtype) chunked as da.from_array: a 1-D (shape[0]) or 2-D
 * (shape[0] x shape[1], in `layout` order) array of `dtype` copied from a
 * caller's buffer of that dtype's C type (double, float, int64_t, or
 * one byte per bool: uint8_t or C bool, any nonzero byte read as 1).
 * Errors: as par_array_from_buffer, and PAR_EINVAL for ndim other than 1
 * or 2, or a dtype arrays do not have (string, list). */
PAR_API int par_array_from_typed(const void *data, par_dtype dtype, int ndim,
                                 const int64_t *shape, int64_t chunk_rows,
                                 par_layout layout, par_array **out,
                                 par_error *err);

/* df.to_dask_array(lengths): a 2-D float64 array with one chunk per
 * partition and one column per frame column, in the frame's order (one
 * column block; par_array_rechunk_grid with a row spec of size 0 cuts the
 * columns even while the row lengths are unknown). int64 and bool
 * columns become float64 (bool as 0/1), as the talk's examples expect
 * (pandas would give an int64 or object array for such frames); null
 * elements become NaN. Use par_array_astype for another dtype. String
 * and list columns are refused (PAR_ETYPE naming the column).
 * lengths = false: chunk lengths unknown (-1) unless the frame knows its
 * partition lengths (par_frame_lengths: in-memory or persisted frames);
 * `c` may then be NULL. lengths = true: the lengths are taken from the
 * frame if it knows them, else computed now on `c` (which computes every
 * partition once, as Dask does; persist the frame first to avoid
 * computing it twice). Errors: PAR_EINVAL, PAR_ETYPE, or the computing
 * task's error. */
PAR_API int par_frame_to_array(par_client *c, par_frame *f, bool lengths,
                               par_array **out, par_error *err);

/* ---- making arrays from nothing (lazy) ---------------------------------------------- */

/* np.full(shape, value), chunked by rows: ndim 1 (shape[0] elements) or 2
 * (shape[0] x shape[1]), chunks of chunk_rows rows (the last one shorter;
 * shape[0] = 0 gives one empty chunk). Each chunk is made by its own task
 * when computed. *out is a new reference. Errors: PAR_EINVAL (ndim, a
 * negative shape, chunk_rows < 1, too large). */
PAR_API int par_array_full(int ndim, const int64_t *shape, int64_t chunk_rows,
                           double value, par_array **out, par_error *err);
/* par_array_full with 0 and with 1. */
PAR_API int par_array_zeros(int ndim, const int64_t *shape, int64_t chunk_rows,
                            par_array **out, par_error *err);
PAR_API int par_array_ones(int ndim, const int64_t *shape, int64_t chunk_rows,
                           par_array **out, par_error *err);
/* np.full(shape, value, dtype), np.zeros(shape, dtype), np.ones(shape,
 * dtype): as above, of `dtype`. value is converted as par_array_astype
 * would: rounded to float32, truncated toward zero for int64, != 0 for
 * bool (NaN is true). Errors: as par_array_full, and PAR_EINVAL for a
 * dtype arrays do not have or a value that has no int64 (NaN, infinite,
 * out of range) for int64. */
PAR_API int par_array_full_typed(int ndim, const int64_t *shape,
                                 int64_t chunk_rows, double value,
                                 par_dtype dtype, par_array **out,
                                 par_error *err);
PAR_API int par_array_zeros_typed(int ndim, const int64_t *shape,
                                  int64_t chunk_rows, par_dtype dtype,
                                  par_array **out, par_error *err);
PAR_API int par_array_ones_typed(int ndim, const int64_t *shape,
                                 int64_t chunk_rows, par_dtype dtype,
                                 par_array **out, par_error *err);

/* par_array_full / zeros / ones on a grid: chunks[0] cuts the rows and,
 * for ndim 2, chunks[1] the columns (chunks[1] is not read for ndim 1).
 * Errors: PAR_EINVAL (ndim, shape, a spec as par_array_from_buffer_chunks). */
PAR_API int par_array_full_chunks(int ndim, const int64_t *shape,
                                  const par_chunk_spec *chunks, double value,
                                  par_array **out, par_error *err);
PAR_API int par_array_zeros_chunks(int ndim, const int64_t *shape,
                                   const par_chunk_spec *chunks,
                                   par_array **out, par_error *err);
PAR_API int par_array_ones_chunks(int ndim, const int64_t *shape,
                                  const par_chunk_spec *chunks,
                                  par_array **out, par_error *err);

/* np.arange(start, stop, step) as a 1-D array in chunks of chunk_rows:
 * ceil((stop - start) / step) elements (none if that is not positive),
 * element i = start + i * step. Errors: PAR_EINVAL (step 0, a number not
 * finite, chunk_rows < 1). */
PAR_API int par_array_arange(double start, double stop, double step,
                             int64_t chunk_rows, par_array **out, par_error *err);
/* np.arange(start, stop, step) with integers: an int64 1-D array of
 * ceil((stop - start) / step) elements (exact integer arithmetic), element
 * i = start + i * step. Errors: PAR_EINVAL (step 0, chunk_rows < 1, too
 * many elements). */
PAR_API int par_array_arange_int64(int64_t start, int64_t stop, int64_t step,
                                   int64_t chunk_rows, par_array **out,
                                   par_error *err);

/* Random arrays (always float64: par_array_astype converts them) from the
 * Philox streams (seed, 0): element (i, j) of an
 * (n, p) array is draw i * p + j of the stream (row-major order), so the
 * values depend only on the seed and the shape: not on the chunking, the
 * thread count or the executor. normal: N(mean, sd^2) (sd >= 0);
 * uniform: [lo, hi). Shapes and chunks as par_array_full. Not NumPy's
 * generator: the same distribution, different draws. Errors: PAR_EINVAL
 * (as par_array_full; parameters not finite, sd < 0). */
PAR_API int par_array_random_normal(uint64_t seed, double mean, double sd,
                                    int ndim, const int64_t *shape,
                                    int64_t chunk_rows, par_array **out,
                                    par_error *err);
PAR_API int par_array_random_uniform(uint64_t seed, double lo, double hi,
                                     int ndim, const int64_t *shape,
                                     int64_t chunk_rows, par_array **out,
                                     par_error *err);

/* The random arrays on a grid (chunks as par_array_full_chunks). The
 * values are those of par_array_random_normal / _uniform with the same
 * seed and shape, whatever the grid. */
PAR_API int par_array_random_normal_chunks(uint64_t seed, double mean, double sd,
                                           int ndim, const int64_t *shape,
                                           const par_chunk_spec *chunks,
                                           par_array **out, par_error *err);
PAR_API int par_array_random_uniform_chunks(uint64_t seed, double lo, double hi,
                                            int ndim, const int64_t *shape,
                                            const par_chunk_spec *chunks,
                                            par_array **out, par_error *err);

PAR_API par_array *par_array_retain(par_array *a);
PAR_API void par_array_release(par_array *a);

/* ---- structure ------------------------------------------------------------------- */

/* The number of dimensions (0, 1 or 2); shape[0..ndim) receives the shape
 * (shape may be NULL), with -1 for a row count that is unknown. */
PAR_API int par_array_shape(const par_array *a, int64_t *shape);
/* The dtype of every chunk, known without computing (PAR_DTYPE_NONE for
 * NULL). */
PAR_API par_dtype par_array_dtype(const par_array *a);
/* The number of chunks: every block of the grid (row blocks times column
 * blocks), as Dask's x.npartitions. */
PAR_API int64_t par_array_nchunks(const par_array *a);
/* The row count of each row block (par_array_numblocks(a, 0) entries; -1
 * = unknown). For an array of one column block that is every chunk's row
 * count, as before. The array lives with a. */
PAR_API const int64_t *par_array_chunk_rows(const par_array *a);
/* The block lengths along `axis` (0: rows, 1: columns of a 2-D array;
 * -1 as 1 for a 2-D array), as x.chunks[axis]: *n receives their number
 * (n may be NULL). Row lengths may be -1 (unknown); column lengths never
 * are. NULL (and *n = 0) for an axis the array does not have. The array
 * lives with a. */
PAR_API const int64_t *par_array_chunks(const par_array *a, int axis, int64_t *n);
/* The number of blocks along `axis` (x.numblocks[axis]); 0 for an axis the
 * array does not have. A 0-D array has one block and no axes. */
PAR_API int64_t par_array_numblocks(const par_array *a, int axis);
/* The key name of the chunks: block (i, j) is the task (name, i * C + j)
 * for C = par_array_numblocks(a, 1) (chunk i = (name, i) with one column
 * block). */
PAR_API const char *par_array_name(const par_array *a);
/* The number of tasks in the array's graph: every task of every layer the
 * array is built from (each layer counted once), as len(x.dask) in Dask.
 * For an array made from a persisted frame that is the frame's one
 * task per partition plus one conversion task per chunk. */
PAR_API int64_t par_array_ntasks(const par_array *a);
/* Chunk i as a delayed call (its result is an ndarray value); i is the
 * flat block index i_row * C + j_col, 0 <= i < par_array_nchunks(a).
 * Errors: PAR_ERANGE. */
PAR_API int par_array_chunk(const par_array *a, int64_t i, par_delayed **out,
                            par_error *err);
/* Block (i, j) as a delayed call. Errors: PAR_ERANGE (naming the grid). */
PAR_API int par_array_block(const par_array *a, int64_t i, int64_t j,
                            par_delayed **out, par_error *err);

/* The summary Dask shows for an array, on one line:
 *   Bytes 2.40 GB  Shape (100000000, 3)  Chunk (625000, 3)  640 Tasks  160 Chunks  float64
 * ending with the dtype's name (float64, float32, int64, bool).
 * Bytes: rows * cols * itemsize (8, 4, 8, 1) in Dask's units (B, kB, MB, GB, TB, PB, powers
 * of 1000, two decimals; "unknown" when a chunk length is unknown). Shape
 * and Chunk as Python tuples ("(n,)" for 1-D, "()" for 0-D, "nan" for an
 * unknown length); Chunk is Dask's chunksize: the largest row block by
 * the largest column block. Tasks: par_array_ntasks. Chunks:
 * par_array_nchunks; for a 2-D array of several column blocks the grid
 * follows, "6 Chunks (3 x 2)". Returns the length the full text needs,
 * as snprintf. */
PAR_API int par_array_format(const par_array *a, char *buf, size_t size);

/* ---- slicing (lazy) ----------------------------------------------------------------- */

/* a[row_start:row_stop:row_step, col_start:col_stop:col_step] with NumPy's
 * rules: PAR_NONE for an omitted part, negative bounds count from the end,
 * bounds past either end are clamped (so a slice is never out of range: it
 * may be empty), negative steps walk backwards. The result is 2-D (1-D for
 * a 1-D array, whose column arguments must all be PAR_NONE) and each
 * output block is a view of one input block: the result's grid has a row
 * block per input row block the row slice touches and a column block per
 * input column block the column slice touches (blocks not touched are
 * left out; an empty selection along an axis gives one empty block, as in
 * Dask).
 * Slicing rows needs known chunk lengths, except the whole-rows slice
 * (PAR_NONE, PAR_NONE, PAR_NONE or 1). Errors: PAR_EINVAL (a step of 0,
 * column arguments on a 1-D array, rows of an array with unknown chunk
 * lengths: "use lengths=true"). */
PAR_API int par_array_slice(par_array *a, int64_t row_start, int64_t row_stop,
                            int64_t row_step, int64_t col_start,
                            int64_t col_stop, int64_t col_step,
                            par_array **out, par_error *err);

/* ---- elementwise operations (lazy, fused) -------------------------------------------- */

/* Functions of one element, as NumPy's ufuncs of the same names. */
typedef enum par_array_fn {
        PAR_ARRAY_NEG = 1, /* -x */
        PAR_ARRAY_ABS,
        PAR_ARRAY_SQRT,
        PAR_ARRAY_SQUARE,
        PAR_ARRAY_RECIPROCAL, /* 1 / x */
        PAR_ARRAY_EXP,
        PAR_ARRAY_EXPM1,
        PAR_ARRAY_LOG,
        PAR_ARRAY_LOG1P,
        PAR_ARRAY_LOG2,
        PAR_ARRAY_LOG10,
        PAR_ARRAY_SIN,
        PAR_ARRAY_COS,
        PAR_ARRAY_TAN,
        PAR_ARRAY_ARCSIN,
        PAR_ARRAY_ARCCOS,
        PAR_ARRAY_ARCTAN,
        PAR_ARRAY_SINH,
        PAR_ARRAY_COSH,
        PAR_ARRAY_TANH,
        PAR_ARRAY_FLOOR,
        PAR_ARRAY_CEIL,
        PAR_ARRAY_TRUNC,
        PAR_ARRAY_RINT,     /* round half to even */
        PAR_ARRAY_SIGN,     /* -1, 0, 1 (NaN stays NaN) */
        PAR_ARRAY_ISNAN,    /* 1 or 0 */
        PAR_ARRAY_ISINF,    /* 1 or 0 */
        PAR_ARRAY_ISFINITE, /* 1 or 0 */
        PAR_ARRAY_NOT       /* logical_not: 1 where x == 0, else 0 */
} par_array_fn;

/* Operators, as NumPy's: MOD has Python's sign rule (np.remainder) and
 * FLOOR_DIVIDE floors (np.floor_divide); MINIMUM and MAXIMUM propagate
 * NaN; comparisons and the logical AND/OR/XOR give bool arrays, NaN
 * comparing unequal to everything. */
typedef enum par_array_binop {
        PAR_ARRAY_ADD = 1,
        PAR_ARRAY_SUB,
        PAR_ARRAY_MUL,
        PAR_ARRAY_DIV,
        PAR_ARRAY_POW,
        PAR_ARRAY_MOD,
        PAR_ARRAY_MINIMUM,
        PAR_ARRAY_MAXIMUM,
        PAR_ARRAY_EQ,
        PAR_ARRAY_NE,
        PAR_ARRAY_LT,
        PAR_ARRAY_LE,
        PAR_ARRAY_GT,
        PAR_ARRAY_GE,
        PAR_ARRAY_AND,
        PAR_ARRAY_OR,
        PAR_ARRAY_FLOOR_DIVIDE, /* np.floor_divide: Python's // */
        PAR_ARRAY_XOR           /* logical_xor */
} par_array_binop;

/* fn(a), a op b, a op s, s op a, and np.where(cond, a, b) (cond != 0).
 *
 * Dtypes: NumPy's promotion (NEP 50). Two arrays: the same dtype stays;
 * bool with anything gives the other; int64 with float32 or float64, and
 * float32 with float64, give float64. The scalar s is a Python float: it
 * makes int64 and bool arrays float64 and takes a float32 array's dtype
 * (rounded to float32 first). Then per operator: comparisons, AND, OR,
 * XOR, NOT, ISNAN, ISINF, ISFINITE give bool; DIV is true division
 * (float64 for int64 and bool); on bool, ADD is OR and MUL is AND (bool
 * results), SUB, NEG and SIGN fail (PAR_ETYPE, as NumPy), and POW, MOD,
 * FLOOR_DIVIDE, SQUARE and RECIPROCAL give int64 (NumPy: int8). int64
 * ADD, SUB, MUL, NEG, ABS, SQUARE and POW wrap (two's complement), as
 * NumPy; FLOOR_DIVIDE and MOD floor (Python's signs); an integer division
 * by zero gives 0 and INT64_MIN // -1 gives INT64_MIN (NumPy warns and
 * gives the same); RECIPROCAL of an integer x is 1 / x truncated (0 for
 * 0); a negative integer POW fails when computed, naming the chunk and
 * element. MINIMUM, MAXIMUM, ABS keep the dtype. The math functions
 * (SQRT, EXP, LOG, SIN, ..., FLOOR, CEIL, TRUNC, RINT) of int64 and bool
 * give float64 (NumPy gives float16 for bool), of float32 float32:
 * computed in double and rounded to float32, which for + - * / and SQRT is
 * exactly NumPy's float32 result and for the others within 1 ulp of it.
 * where(cond, a, b): cond is converted to bool; a and b promote.
 * int64 arithmetic is exact: it never goes through double.
 *
 * Fusion: the result is one layer of one task per chunk that runs the
 * whole pending expression over its inputs' chunks; an operation whose
 * operand is itself elementwise splices the operand's expression into its
 * own rather than reading the operand's chunks. So `4 * x + 3` (two
 * calls) is one task per chunk of x in the graph, and computing it reads
 * each chunk of x once and writes each output chunk once, in blocks of
 * 256 rows that keep the temporaries in the L1 cache. (Long expressions,
 * over 128 steps, read an elementwise operand's chunks instead.)
 *
 * Broadcasting: NumPy's rules, shapes aligned at the right: sizes equal,
 * or 1. A (p,) or (1, p) row and a 0-d array (a reduction's result)
 * broadcast over the rows of an (n, p) array, an (n, 1) column over its
 * columns. Grids: the output takes the row blocks of the first operand
 * that spans the rows and the column blocks of the first that spans the
 * columns; every other operand is rechunked to them first (Dask's
 * unify_chunks, here "the first one's grid"), so block (i, j) of the
 * output reads block (i, j) of each operand. An operand broadcast along
 * the rows (a row, a vector) must be one row block (a vector: one chunk,
 * unless the output has several column blocks, which it is then
 * rechunked to) and is cut into the output's column blocks; one broadcast
 * along the columns (an (n, 1) column) is cut into the output's row
 * blocks. Unknown chunk lengths
 * meet only arrays of the same number of row blocks (checked per chunk
 * when computed) or broadcasts.
 *
 * *out is a new reference; the operands stay the caller's. Errors:
 * PAR_EINVAL (shapes that do not broadcast, naming both, as NumPy's
 * "operands could not be broadcast together with shapes (3, 4) (5, 4)";
 * an unknown fn or op; a broadcast operand of several chunks; unknown
 * lengths against known ones), PAR_ENOMEM. */
PAR_API int par_array_unary(par_array_fn fn, par_array *a, par_array **out,
                            par_error *err);
PAR_API int par_array_binary(par_array_binop op, par_array *a, par_array *b,
                             par_array **out, par_error *err);
PAR_API int par_array_binary_scalar(par_array_binop op, par_array *a, double s,
                                    par_array **out, par_error *err);
PAR_API int par_array_scalar_binary(par_array_binop op, double s, par_array *a,
                                    par_array **out, par_error *err);
PAR_API int par_array_where(par_array *cond, par_array *a, par_array *b,
                            par_array **out, par_error *err);

/* a.astype(dtype), lazy and fused like the operations above (`a`
 * retained when it has that dtype). NumPy's casts: float64 to float32
 * rounds to nearest; float to int64 truncates toward zero; anything to
 * bool is != 0 (NaN is true); bool to numbers is 0/1; int64 to float64 or
 * float32 rounds to nearest. A float that has no int64 value (NaN, an
 * infinity, |x| >= 2^63; NumPy gives an undefined value and a warning)
 * fails when computed: PAR_EINVAL naming the chunk's key, the element
 * (row within the chunk, column) and the value. Errors now: PAR_EINVAL
 * (a NULL array, a dtype arrays do not have). */
PAR_API int par_array_astype(par_array *a, par_dtype dtype, par_array **out,
                             par_error *err);

/* ---- reshaping (lazy) ----------------------------------------------------------------- */

/* The rows rechunked (an array of several column blocks keeps its column
 * blocks): into chunks of chunk_rows (the last one shorter),
 * or into n chunks of the given lengths (summing to the row count; 0 is
 * allowed). Each output chunk is one task copying the rows of the input
 * chunks it overlaps (an output chunk equal to an input chunk is passed
 * through, not copied). Same lengths: *out is `a` retained. Errors:
 * PAR_EINVAL (unknown chunk lengths, chunk_rows < 1, lengths that do not
 * add up, naming both totals). */
PAR_API int par_array_rechunk(par_array *a, int64_t chunk_rows,
                              par_array **out, par_error *err);
PAR_API int par_array_rechunk_lengths(par_array *a, int64_t n,
                                      const int64_t *lens, par_array **out,
                                      par_error *err);

/* The grid rechunked, as x.rechunk((rows_spec, cols_spec)): chunks[0]
 * for the rows, chunks[1] for the columns (not read for a 1-D array); a
 * spec of size 0 keeps that axis. Each output block is one task copying
 * the pieces of the input blocks it overlaps (an output block equal to an
 * input block is passed through). Rechunking only the columns works with
 * unknown row lengths. Same grid: *out is `a` retained. Errors: PAR_EINVAL
 * (a 0-d array, a bad spec or lengths that do not add up, naming the axis
 * and both totals; new row lengths with unknown ones). */
PAR_API int par_array_rechunk_grid(par_array *a, const par_chunk_spec *chunks,
                                   par_array **out, par_error *err);

/* a.T. 1-D and 0-d arrays: `a` retained. A 2-D (n, p) array gives a (p, n)
 * array whose grid is the input's transposed: block (i, j) of the result
 * is block (j, i) of `a` as a transposed VIEW (one task per block, no
 * copy: its row stride is the input's column stride). So a tall array of
 * one column block gives one row block and as many column blocks as the
 * input had row blocks. Errors: PAR_EINVAL (unknown chunk lengths: they
 * would be the transpose's column blocks). */
PAR_API int par_array_transpose(par_array *a, par_array **out, par_error *err);

/* ---- reductions (lazy) ------------------------------------------------------------- */

/* Reduce over every axis (a 0-D result). */
#define PAR_AXIS_ALL (-100)

/* x.sum(axis), x.mean(axis), x.min(axis), x.max(axis): stat is
 * PAR_STAT_SUM, PAR_STAT_MEAN, PAR_STAT_MIN or PAR_STAT_MAX (par/bag.h).
 * axis 0 (or -ndim) reduces the rows: a tree reduction of per-chunk
 * partials, split_every at a time (opts; 0 means 8), giving shape (cols,)
 * (a 0-D result for a 1-D array) chunked as a's column blocks: one tree
 * per column block over its row blocks. axis 1 (or -1) of a 2-D array
 * reduces each row: shape (rows,), chunked as the row blocks: one task
 * per row block, or on a grid of several column blocks a partial per
 * block and a tree per row block over its column blocks. PAR_AXIS_ALL
 * reduces everything to a 0-D array: one tree over every block. As NumPy: NaN
 * propagates; the sum of nothing is 0, the mean of nothing is NaN, and the
 * min/max of nothing fails when computed (PAR_EINVAL). Sums add blocks of
 * rows in several lanes, then the blocks, then the chunks' partials: the
 * error grows far slower than a plain running sum's.
 * Dtypes, as NumPy: the sum of int64 and bool is int64, exact (computed
 * in int64, wrapping as NumPy's), their min and max keep the dtype (bool
 * too), their mean is float64; float32 gives float32 (sums and means
 * computed in float64 and rounded once, so within an ulp of the exact
 * value, where NumPy's float32 sums carry more error); float64 stays.
 * Errors: PAR_EINVAL (axis), PAR_ENOTSUP (another stat). */
PAR_API int par_array_reduce(par_array *a, par_stat stat, int axis,
                             const par_agg_opts *opts, par_array **out,
                             par_error *err);

/* a.T @ a for a 2-D array of p columns (converted to float64 first, and
 * column blocks joined first, one task per row block; the result is
 * float64): a (p, p) array of one chunk, made
 * by one pass over the chunks (per chunk a register-blocked loop: AVX2 for
 * p <= 5, register tiles of FMAs beyond, on x86-64 machines that have them;
 * cblas_dsyrk per block elsewhere) and a tree sum of the chunks' p x p
 * partials. Not centered. */
PAR_API int par_array_gram(par_array *a, const par_agg_opts *opts,
                           par_array **out, par_error *err);

/* x.var(axis, ddof=ddof) (sd false) or x.std(axis, ddof=ddof) (sd true),
 * axis as par_array_reduce, as tree reductions of per-chunk (count, mean,
 * squared deviations) partials merged by Chan, Golub and LeVeque's
 * pairwise rule (each chunk's own partial from two passes over the
 * chunk), so large means do not cancel. Grids as par_array_reduce. As NumPy: divides by
 * max(n - ddof, 0); the variance of nothing is NaN; NaN propagates.
 * (par_array_reduce refuses PAR_STAT_VAR and PAR_STAT_STD: it has no
 * ddof.) Dtypes: float32 gives float32 (computed in float64, rounded),
 * int64 and bool give float64. Errors: PAR_EINVAL (axis, ddof < 0). */
PAR_API int par_array_var(par_array *a, int axis, int64_t ddof, bool sd,
                          const par_agg_opts *opts, par_array **out,
                          par_error *err);

/* x.argmin(axis), x.argmax(axis): the index of the first minimum
 * (maximum), or of the first NaN if there is one, as NumPy. axis 0: the
 * row of each column, global across chunks (a tree of (value, index)
 * partials that carry their row counts, so chunk lengths need not be
 * known); axis 1: the column of each row; PAR_AXIS_ALL: the flat
 * row-major index. The indices are an int64 array, as NumPy's. Other
 * dtypes are searched as float64 values: exact for float32 and bool, and
 * for int64 values up to 2^53 in magnitude (beyond, values that round to
 * the same double tie, and the first of them wins). Grids: axis 0 is a
 * tree per column block (chunked as the columns); axis 1 and PAR_AXIS_ALL
 * join each row block's blocks first (one task per row block), as the
 * flat and column indices need whole rows.
 * Empty: fails when computed ("attempt to get argmin of an empty
 * sequence"). Errors: PAR_EINVAL (axis). */
PAR_API int par_array_argmin(par_array *a, int axis, const par_agg_opts *opts,
                             par_array **out, par_error *err);
PAR_API int par_array_argmax(par_array *a, int axis, const par_agg_opts *opts,
                             par_array **out, par_error *err);

/* ---- results --------------------------------------------------------------------------- */

/* Computes the array: *out gets one contiguous ndarray value of the
 * array's dtype (column-major; a 0-D array gives a 1 x 1 value of ndim
 * 0), every block of the grid copied into its place. A chunk of another
 * dtype than the array says fails (PAR_EINVAL). */
PAR_API int par_array_compute(par_client *c, par_array *a, par_value **out,
                              par_error *err);

/* Computes every chunk and returns an array backed by them (held in
 * memory, chunk lengths known, the same chunk keys and grid): later
 * operations start from there. */
PAR_API int par_array_persist(par_client *c, par_array *a, par_array **out,
                              par_error *err);

/* Stores the array to one raw file at `path`: the values of its dtype
 * (float64, float32, int64, or one byte 0/1 per bool) in native byte
 * order, no header, in `layout` order (np.fromfile(path, dtype).reshape(n, p)
 * for PAR_ROW_MAJOR; order="F" for PAR_COL_MAJOR). The file is made at its
 * full size under a temporary name next to `path`; one task per chunk
 * computes the chunk and writes it at its offset with pwrite; the file
 * gets its name only when every chunk is written (a failure removes it and
 * leaves an existing `path` alone). An array of several column blocks has
 * each row block's blocks joined first (one task per row block). Computes now, on c. Errors: PAR_EINVAL
 * (unknown chunk lengths: the offsets need them), PAR_EIO naming the file
 * and the chunk, or the computing task's error. */
PAR_API int par_array_to_raw(par_client *c, par_array *a, const char *path,
                             par_layout layout, par_error *err);

/* The reverse: a lazy 1-D (shape[0]) or 2-D (shape[0] x shape[1]) array
 * over a raw float64 file in `layout` order, in chunks of chunk_rows rows
 * (one column block; par_array_rechunk_grid cuts the columns),
 * each read with pread by its own task when computed (the file must stay
 * as it is until then). Errors: PAR_EINVAL (arguments; a file whose size
 * is not the shape's, naming both), PAR_EIO (the file cannot be read: now
 * when it cannot be stat'ed, else from the chunk's task naming it). */
PAR_API int par_array_from_raw(const char *path, int ndim, const int64_t *shape,
                               par_layout layout, int64_t chunk_rows,
                               par_array **out, par_error *err);
/* The same for a file of `dtype` elements (as par_array_to_raw writes
 * them; bool bytes other than 0 read as 1). Errors: as par_array_from_raw,
 * and PAR_EINVAL for a dtype arrays do not have. */
PAR_API int par_array_from_raw_typed(const char *path, par_dtype dtype, int ndim,
                                     const int64_t *shape, par_layout layout,
                                     int64_t chunk_rows, par_array **out,
                                     par_error *err);

#ifdef __cplusplus
}
#endif
#endif /* PAR_ARRAY_H */
