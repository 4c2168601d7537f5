// Peer (copied from ../shared/peers, with the answer printed whole): DuckDB answering seed 003's
// measure, the mean over sensors of unique sources per (day, TCP port), on a marx CSV.
// Usage (from bench/peers, after `npm install @duckdb/node-api`): node peer_duckdb_ports.mjs FILE [threads]
import { DuckDBInstance } from '@duckdb/node-api';
const [file, threads] = [process.argv[2], process.argv[3] || '2'];
const inst = await DuckDBInstance.create(':memory:', { threads }); const c = await inst.connect();
const t = performance.now();
const r = await c.runAndReadAll(`with e as (select distinct cast(datetime as date) d, host, src, dpt from read_csv('${file}', header=true) where proto = 'TCP'),
  h as (select dpt, d, host, count(*) n from e group by all), m as (select d, dpt, avg(n) a from h group by all)
  select count(*), sum(a) from m`);
const [rows, total] = r.getRows()[0];
console.log(JSON.stringify({ daily_mean_rows: String(rows), sum_of_means: Number(total), seconds: +((performance.now() - t) / 1000).toFixed(2) }));
