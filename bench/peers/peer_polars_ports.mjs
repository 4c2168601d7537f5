// Peer: Polars (npm nodejs-polars 0.25.2) answering seed 003's measure as peer_duckdb_ports.mjs does:
// the mean over sensors of unique sources per (day, TCP port), on a marx-layout CSV.
// Usage (from bench/peers, after `npm install --no-save @duckdb/node-api nodejs-polars@0.25.2
// nodejs-polars-linux-x64-gnu@0.25.2`): POLARS_MAX_THREADS=2 node peer_polars_ports.mjs FILE
import pl from 'nodejs-polars';
const file = process.argv[2];
const t = performance.now();
const e = pl.scanCSV(file, { hasHeader: true, dtypes: { datetime: pl.Utf8, host: pl.Utf8, src: pl.Utf8, proto: pl.Utf8, dpt: pl.Utf8 } })
  .select('datetime', 'host', 'src', 'proto', 'dpt')
  .filter(pl.col('proto').eq(pl.lit('TCP')))
  .select(pl.col('datetime').str.slice(0, 10).alias('d'), pl.col('host'), pl.col('src'), pl.col('dpt').cast(pl.Int32))
  .unique()
  .groupBy(['dpt', 'd', 'host']).agg(pl.col('src').count().alias('n'))
  .groupBy(['d', 'dpt']).agg(pl.col('n').mean().alias('a'))
  .collectSync();
console.log(JSON.stringify({ daily_mean_rows: String(e.height), sum_of_means: Number(e.getColumn('a').sum()),
  seconds: +((performance.now() - t) / 1000).toFixed(2) }));
