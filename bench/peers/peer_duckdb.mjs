// Copied from the project's shared peers (the DuckDB answer to the multiprobe and host
// questions); node resolves @duckdb/node-api from this folder, see scripts/bench.sh.
// One change: only open status entries are rows (scanhpc's analyses read open observations),
// so files with banner or closed entries (real masscan output) get the same answers too; on
// files whose entries are all open, as the shared copy assumes, the answers are the same.
// Peer: DuckDB (node API) answering the multiprobe and host questions on a masscan -oJ file.
// usage: node peer_duckdb.mjs FILE [threads]   (run from a folder with @duckdb/node-api installed)
import { DuckDBInstance } from '@duckdb/node-api';
const [file, threads] = [process.argv[2], process.argv[3] || '2'];
const inst = await DuckDBInstance.create(':memory:', { threads });
const c = await inst.connect();
const T = {};
async function q(name, sql) { const t = performance.now(); const r = await c.runAndReadAll(sql); T[name] = ((performance.now() - t) / 1000).toFixed(2); return r.getRows(); }
await q('load', `create table s as select ip, cast(timestamp as uinteger) ts, p.port::usmallint port, p.reason reason, p.ttl::utinyint ttl
  from (select ip, timestamp, unnest(ports) p from read_json('${file}', format='array', maximum_object_size=1048576,
  columns={ip:'VARCHAR', timestamp:'VARCHAR', ports:'STRUCT(port INTEGER, proto VARCHAR, status VARCHAR, reason VARCHAR, ttl INTEGER)[]'}))
  where p.status = 'open'`);
const rows = await q('count', `select count(*) from s`);
const probes = await q('probes', `select n, count(*) from (select count(*) n from s group by ip, port) group by n order by n`);
const nreason = await q('nreason', `select n, count(*) from (select count(distinct reason) n from s group by ip, port) group by n order by n`);
const iv = await q('intervals', `select d, count(*) from (select ts - lag(ts) over (partition by ip, port order by ts) d from s) where d is not null group by d order by d`);
const hosts = await q('hosts', `select count(*), sum(np), min(tmin), max(tmax), sum(nr) from (select ip, count(port) np, min(ttl) tmin, max(ttl) tmax, count(distinct reason) nr from s group by ip)`);
console.log(JSON.stringify({ rows: rows[0][0].toString(), probes: probes.map(r => [r[0].toString(), r[1].toString()]),
  nreason: nreason.map(r => [r[0].toString(), r[1].toString()]), intervals: iv.map(r => [r[0].toString(), r[1].toString()]),
  hosts: hosts[0].map(String), seconds: T }));
