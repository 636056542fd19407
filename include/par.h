/* par.h — the whole public API of par: Dask's model in C.
 *
 * Include this one header. Each part below also compiles on its own:
 *   par/core.h    status codes, par_error, version, allocator hook
 *   par/value.h   refcounted values (task results and arguments)
 *   par/graph.h   task graphs: keys, arguments, named ops
 *   par/exec.h    executors (work-stealing pool, serial, OpenMP), fork-join
 *   par/client.h  the client, futures and delayed calls
 *   par/column.h  columns and tables: the partitions of collections
 *   par/expr.h    expressions evaluated a column at a time
 *   par/bag.h     bags: partitioned collections of items
 *   par/frame.h   dataframes: partitioned tables, CSV in and out
 *   par/array.h   chunked float64 arrays: slicing, reductions
 *   par/ml.h      linear models on arrays (least squares)
 *   par/linalg.h  linear algebra on arrays: matmul, a.T @ b, TSQR, lstsq */
#ifndef PAR_H
#define PAR_H

#include "par/core.h"
#include "par/value.h"
#include "par/graph.h"
#include "par/exec.h"
#include "par/client.h"
#include "par/column.h"
#include "par/expr.h"
#include "par/bag.h"
#include "par/frame.h"
#include "par/array.h"
#include "par/ml.h"
#include "par/linalg.h"
#include "par/mpi.h"

#endif /* PAR_H */
