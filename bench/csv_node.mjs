// bench/csv_node.mjs - DuckDB and Polars on the CSV benches (peers of
// bench/csv.c), through their Node.js packages.
//
// usage: node --expose-gc csv_node.mjs --impl duckdb|polars --file F
//             [--bench csv_write|csv_read] [--dir D] [--threads T]
//             [--runs R] [--modules DIR] [--smoke]
//
// F is the data file that `csv --make F` wrote (par's single-file to_csv of
// the talk's frame: an unnamed int64 index column, a ~ normal(4, 2),
// b = 4a + 3) with its sidecar F.json (rows, bytes, digests of the columns'
// bits). The packages come from DIR/node_modules (default: bench/out/node,
// where bench/run installs bench/package.json's pinned versions):
// @duckdb/node-api (DuckDB with its native library) and nodejs-polars with
// its platform package nodejs-polars-linux-x64-gnu. Exit status 77 when
// the impl's package cannot be loaded.
//
//   duckdb  threads: DuckDBInstance.create(':memory:', {threads: T}).
//     csv_read   CREATE TABLE t AS SELECT * FROM read_csv('F') (timed;
//                DuckDB's sniffer and parallel reader, as a user calls it).
//     csv_write  t is loaded as above (not timed), then
//                COPY t TO 'D/duckdb.csv' (HEADER) (timed).
//   polars  threads: POLARS_MAX_THREADS=T, set before the package loads.
//     csv_read   pl.readCSV('F') (timed).
//     csv_write  df = pl.readCSV('F') (not timed), then
//                df.writeCSV('D/polars.csv') (timed).
// Both write one file with their own layout (DuckDB names the unnamed
// index column "column0"); output files are removed between runs (not
// timed). Tables / frames are dropped between runs, with a gc().
//
// MB_per_s = CSV bytes / 1e6 / seconds (median over the runs, min/max;
// first_MB_per_s: the first run's);
// ns_per_value = seconds / (rows x 3) x 1e9. Checks (not timed, after the
// last run): the frame read is compared with the sidecar's digests (sum
// over rows of lo32(bits) * 0x9E3779B1 + hi32(bits), mod 2^32, per
// column): "exact" says whether every value came back bit for bit (reported,
// not an error); a wrong row count or column type is an error (exit 1).
// For csv_write, "exact" says whether the impl reads its own output back
// bit for bit.
//
// Peak RSS: VmHWM is reset (5 into /proc/self/clear_refs) after the setup;
// peak_rss_mb is the highest VmHWM right after a timed run (before any
// check), process_peak_rss_mb the whole process's. --smoke: one run.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const SKIP = 77;
const BENCHES = ["csv_write", "csv_read"];
const HERE = path.dirname(fileURLToPath(import.meta.url));

function log(...a) {
  process.stderr.write("csv_node: " + a.join(" ") + "\n");
}

function fmt(v) {
  if (typeof v !== "number" || !Number.isFinite(v)) return v;
  if (Number.isInteger(v)) return v;
  if (Math.abs(v) >= 1e4) return Math.round(v);
  if (Math.abs(v) >= 10) return Math.round(v * 100) / 100;
  return Math.round(v * 1e4) / 1e4;
}

function median(v) {
  const s = [...v].sort((x, y) => x - y);
  const k = s.length;
  return k % 2 ? s[(k - 1) / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
}

function statusKb(key) {
  try {
    const m = fs.readFileSync("/proc/self/status", "utf8").match(
      new RegExp("^" + key + "\\s+(\\d+)", "m"));
    return m ? Number(m[1]) : -1;
  } catch {
    return -1;
  }
}

function resetPeak() {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

function collect() {
  if (typeof globalThis.gc === "function") globalThis.gc();
}

// Digest of a typed array of 64-bit values (Float64Array, BigInt64Array):
// sum of lo32 * 0x9E3779B1 + hi32, mod 2^32, added to `s`.
function digestAdd(s, arr) {
  const u = new Uint32Array(arr.buffer, arr.byteOffset, arr.length * 2);
  for (let i = 0; i < u.length; i += 2)
    s = (s + ((Math.imul(u[i], 0x9e3779b1) + u[i + 1]) >>> 0)) >>> 0;
  return s;
}

function parseArgs(argv) {
  const o = { runs: 3, threads: 0, smoke: false };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i], v;
    if (a === "--smoke") { o.smoke = true; continue; }
    if (a === "--help" || a === "-h") {
      process.stdout.write("usage: csv_node.mjs --impl duckdb|polars --file F " +
        "[--bench csv_write|csv_read] [--dir D] [--threads T] [--runs R] " +
        "[--modules DIR] [--smoke]\n");
      process.exit(0);
    }
    const eq = a.indexOf("=");
    if (eq > 0) { v = a.slice(eq + 1); a = a.slice(0, eq); } else v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    switch (a) {
      case "--impl": o.impl = v; break;
      case "--bench": o.bench = v; break;
      case "--file": o.file = v; break;
      case "--dir": o.dir = v; break;
      case "--threads": o.threads = Number(v); break;
      case "--runs": o.runs = Number(v); break;
      case "--modules": o.modules = v; break;
      case "--rows": break; // the data file decides
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (!["duckdb", "polars"].includes(o.impl)) throw new Error("--impl duckdb|polars");
  if (o.bench && !BENCHES.includes(o.bench)) throw new Error("--bench csv_write|csv_read");
  if (!o.file) throw new Error("--file is required");
  if (!(o.runs >= 1) || !(o.threads >= 0)) throw new Error("bad --runs or --threads");
  if (o.smoke) o.runs = 1;
  if (!o.threads) o.threads = 2;
  return o;
}

// ---- DuckDB -----------------------------------------------------------------

async function duckdbImpl(req, o) {
  const duck = req("@duckdb/node-api");
  const inst = await duck.DuckDBInstance.create(":memory:", { threads: String(o.threads) });
  const con = await inst.connect();
  const vrow = (await con.runAndReadAll("SELECT version()")).getRows()[0];
  const sqlStr = (s) => "'" + s.replace(/'/g, "''") + "'";
  const load = `CREATE TABLE t AS SELECT * FROM read_csv(${sqlStr(o.file)})`;
  return {
    version: String(vrow[0]),
    async setupWrite() { await con.run(load); },
    async write(out) { await con.run(`COPY t TO ${sqlStr(out)} (HEADER)`); },
    async read() { await con.run(load); },
    async dropRead() { await con.run("DROP TABLE IF EXISTS t"); },
    async teardownWrite() { await con.run("DROP TABLE IF EXISTS t"); },
    // digests of table `name`, or of the file `file` when given
    async digests(file) {
      const src = file ? `read_csv(${sqlStr(file)})` : "t";
      const res = await con.stream(`SELECT * FROM ${src}`);
      const types = [];
      for (let c = 0; c < res.columnCount; c++) types.push(res.columnType(c).toString());
      if (types.length !== 3 || types[0] !== "BIGINT" || types[1] !== "DOUBLE" ||
          types[2] !== "DOUBLE")
        throw new Error(`columns are ${types.join(", ")}, not BIGINT, DOUBLE, DOUBLE`);
      const d = [0, 0, 0];
      let rows = 0;
      for (;;) {
        const chunk = await res.fetchChunk();
        if (!chunk || chunk.rowCount === 0) break;
        for (let c = 0; c < 3; c++) {
          const v = chunk.getColumnVector(c);
          let items = v.items;
          if (!items) { // no typed array: the values one by one
            const vals = chunk.getColumnValues(c);
            items = c === 0 ? BigInt64Array.from(vals) : Float64Array.from(vals);
          }
          d[c] = digestAdd(d[c], items);
        }
        rows += chunk.rowCount;
      }
      return { rows, d };
    },
  };
}

// ---- Polars ------------------------------------------------------------------

function polarsImpl(req, o) {
  process.env.POLARS_MAX_THREADS = String(o.threads); // before the native part loads
  const pl = req("nodejs-polars");
  let df = null;
  const digestsOf = (frame) => {
    const cols = frame.getColumns();
    const dt = cols.map((s) => String(s.dtype));
    if (cols.length !== 3 || !/Int64/.test(dt[0]) || !/Float64/.test(dt[1]) ||
        !/Float64/.test(dt[2]))
      throw new Error(`columns are ${dt.join(", ")}, not Int64, Float64, Float64`);
    const d = [0, 0, 0];
    for (let c = 0; c < 3; c++) {
      if (cols[c].nullCount() > 0) throw new Error(`column ${c} has nulls`);
      d[c] = digestAdd(0, cols[c].toTypedArray());
    }
    return { rows: frame.height, d };
  };
  return {
    version: String(pl.version ?? ""),
    threads: () => (typeof pl.threadPoolSize === "function" ? pl.threadPoolSize() : null),
    async setupWrite() { df = pl.readCSV(o.file); },
    async write(out) { df.writeCSV(out); },
    async read() { df = pl.readCSV(o.file); },
    async dropRead() { df = null; collect(); },
    async teardownWrite() { df = null; collect(); },
    async digests(file) {
      if (file) return digestsOf(pl.readCSV(file));
      return digestsOf(df);
    },
  };
}

// ---- the benches ----------------------------------------------------------------

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    log(e.message);
    return 2;
  }
  let want;
  try {
    want = JSON.parse(fs.readFileSync(o.file + ".json", "utf8"));
  } catch (e) {
    log(`${o.file}.json: ${e.message} (make it with csv --make ${o.file})`);
    return 1;
  }
  if (fs.statSync(o.file).size !== want.bytes) {
    log(`${o.file} does not match its sidecar: make it again`);
    return 1;
  }
  const modules = o.modules || path.join(HERE, "out", "node");
  const req = createRequire(path.join(path.resolve(modules), "package.json"));
  let impl;
  try {
    impl = o.impl === "duckdb" ? await duckdbImpl(req, o) : polarsImpl(req, o);
  } catch (e) {
    log(`${o.impl} is not available (${e.message.split("\n")[0]}); bench/run installs ` +
        `it into bench/out/node with npm`);
    return SKIP;
  }
  const outDir = o.dir || path.dirname(path.resolve(o.file));
  const rows = want.rows;
  const wantD = [want.digest_index, want.digest_a, want.digest_b];
  { // the file into the page cache
    const fd = fs.openSync(o.file, "r"), buf = Buffer.alloc(1 << 20);
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
    fs.closeSync(fd);
  }
  let processPeak = 0;
  for (const bench of BENCHES) {
    if (o.bench && o.bench !== bench) continue;
    const secs = [], rates = [];
    let peak = 0, exact = null, nbytes = 0, reset;
    const out = path.join(outDir, `${o.impl}.csv`);
    if (bench === "csv_write") {
      await impl.setupWrite();
      const mine = await impl.digests(); // the frame in memory
      if (mine.rows !== rows || mine.d.some((x, i) => x !== wantD[i]))
        log(`csv_write: the frame loaded differs from the data file's values`);
      processPeak = Math.max(processPeak, statusKb("VmHWM:"));
      reset = resetPeak();
      for (let r = 0; r < o.runs; r++) {
        fs.rmSync(out, { force: true });
        const t0 = process.hrtime.bigint();
        await impl.write(out);
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        peak = Math.max(peak, statusKb("VmHWM:"));
        nbytes = fs.statSync(out).size;
        secs.push(s);
        rates.push(nbytes / 1e6 / s);
      }
      const back = await impl.digests(out);
      exact = back.rows === mine.rows && back.d.every((x, i) => x === mine.d[i]);
      fs.rmSync(out, { force: true });
      await impl.teardownWrite();
    } else {
      nbytes = want.bytes;
      processPeak = Math.max(processPeak, statusKb("VmHWM:"));
      reset = resetPeak();
      for (let r = 0; r < o.runs; r++) {
        await impl.dropRead();
        const t0 = process.hrtime.bigint();
        await impl.read();
        const s = Number(process.hrtime.bigint() - t0) / 1e9;
        peak = Math.max(peak, statusKb("VmHWM:"));
        secs.push(s);
        rates.push(nbytes / 1e6 / s);
        if (r === o.runs - 1) {
          let got;
          try {
            got = await impl.digests();
          } catch (e) {
            log(`csv_read: ${e.message}`);
            return 1;
          }
          if (got.rows !== rows) {
            log(`csv_read: read ${got.rows} rows, want ${rows}`);
            return 1;
          }
          exact = got.d.every((x, i) => x === wantD[i]);
        }
      }
      await impl.dropRead();
    }
    processPeak = Math.max(processPeak, peak, statusKb("VmHWM:"));
    const med = median(secs);
    const line = {
      bench, impl: o.impl, threads: o.threads, n: rows, metric: "MB_per_s",
      value: fmt(median(rates)), first_MB_per_s: fmt(rates[0]), runs: o.runs,
      min: fmt(Math.min(...rates)),
      max: fmt(Math.max(...rates)), seconds: fmt(med),
      ns_per_value: fmt(med * 1e9 / (rows * 3)),
      GB_per_s_per_core: fmt(nbytes / 1e9 / med / o.threads), bytes: nbytes, files: 1,
      peak_rss_mb: fmt(peak / 1024), process_peak_rss_mb: fmt(processPeak / 1024),
      rss_reset: reset, exact, version: impl.version,
    };
    process.stdout.write(JSON.stringify(line) + "\n");
  }
  return 0;
}

main().then((rc) => process.exit(rc), (e) => {
  log(e.stack || String(e));
  process.exit(1);
});
