// Peer: GPS's model (step 2) and plan (step 3) as SQL in DuckDB, following GPS's BigQuery semantics:
// hosts with 2..10 ports, features L4 / http lines / fingerprint / window / s16 / asn / app x s16, support > 2,
// hitrate = support / base, best predictor per service; single-port hosts are appended as their own
// predictor (GPS's `p=NULL, neededP=port` rows); plan = (pred port, /16) by count.
// This copy (bench/peers) reads banner lines as scanhpc does: a trailing '\r' dropped, then empty lines
// skipped (GPS's BigQuery keeps the '\r', so "Server: x\r" and a lone "\r" line are features there);
// with PLAN.csv it also writes the plan (port,a.b,count) for the benchmark to compare.
// usage: node peer_duckdb_gps.mjs SEED.ndjson [threads] [PLAN.csv]
import { DuckDBInstance } from '@duckdb/node-api';
const [file, threads, planOut] = [process.argv[2], process.argv[3] || '2', process.argv[4]];
const inst = await DuckDBInstance.create(':memory:', { threads });
const c = await inst.connect();
const T = {};
async function q(name, sql) { const t = performance.now(); const r = await c.runAndReadAll(sql); T[name] = +((performance.now() - t) / 1000).toFixed(2); return r.getRows(); }
await q('load', `create table seed as select distinct ip, p::int p, asn::bigint asn, data, fingerprint, w::int w
  from read_json('${file}', format='newline_delimited', columns={ip:'VARCHAR', p:'INTEGER', asn:'BIGINT', data:'VARCHAR', fingerprint:'VARCHAR', w:'INTEGER'})`);
await q('base', `create table hp as select distinct s.ip, s.p from seed s join (select ip from seed group by ip having count(distinct p) between 2 and 10) b using (ip)`);
await q('features', `create table bf as
  with s as (select s.* from seed s semi join hp using (ip)),
  app as (select ip, p, 'http line: ' || l f from (select ip, p, regexp_replace(unnest(string_split(data, chr(10))), '\r$', '') l from s where data <> '') where l <> ''
          union all select ip, p, 'fingerprint: ' || fingerprint from s
          union all select ip, p, 'window: ' || w from s),
  net as (select ip, p, 's16: ' || split_part(ip, '.', 1) || '.' || split_part(ip, '.', 2) f from s
          union all select ip, p, 'asn: ' || asn from s)
  select distinct * from (select ip, p, 'L4' f from s union all select * from app union all select * from net
     union all select a.ip, a.p, a.f || ' @' || n.f from app a join net n using (ip, p))`);
await q('base_counts', `create table cp as select p, f, count(*) base from bf group by p, f`);
await q('rules', `create table rules as select bf.p p1, bf.f, hp.p p2, count(*) support from bf join hp on bf.ip = hp.ip and bf.p <> hp.p
  group by all having count(*) > 2`);
await q('hitrate', `create table r2 as select r.*, cp.base, r.support / cp.base hitrate from rules r join cp on r.p1 = cp.p and r.f = cp.f where r.support / cp.base > 1e-5`);
await q('predictors', `create table pred as select hp.ip, hp.p, arg_max(bf.p, (r2.hitrate, -bf.p)) pp, max(r2.hitrate) h
  from hp join bf on bf.ip = hp.ip and bf.p <> hp.p join r2 on r2.p1 = bf.p and r2.f = bf.f and r2.p2 = hp.p group by hp.ip, hp.p`);
await q('single', `insert into pred select s.ip, s.p, s.p, null from seed s join (select ip from seed group by ip having count(distinct p) = 1) o using (ip)`);
await q('plan', `create table plan as select pp port, split_part(ip, '.', 1) || '.' || split_part(ip, '.', 2) s16, count(*) c from pred group by all order by c desc`);
if (planOut) await q('plan_csv', `copy plan to '${planOut}' (header false)`);
const n = await q('counts', `select (select count(*) from seed), (select count(*) from hp), (select count(*) from bf), (select count(*) from r2), (select count(*) from pred), (select count(*) from plan)`);
console.log(JSON.stringify({ seed: String(n[0][0]), base_services: String(n[0][1]), features: String(n[0][2]), rules: String(n[0][3]),
  predictors: String(n[0][4]), plan_rows: String(n[0][5]), seconds: T, total: +Object.values(T).reduce((a, b) => a + b, 0).toFixed(2) }));
