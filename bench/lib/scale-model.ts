/**
 * A model of N engine nodes on N machines sharing one Postgres machine, from figures measured with 1, 2 and 3 nodes on
 * one machine. Per run: CPU ms of the engines, their workers and Postgres (each grows with the number of nodes, as
 * every node reads every event of the change log: fitted as a + b·N), round trips to Postgres (likewise), and how
 * many connections a node keeps inside a transaction on average. Throughput is the least of three limits:
 * - the nodes' CPU: N machines × `cores` / (engine + worker ms per run);
 * - Postgres' CPU: `cores` / (Postgres ms per run);
 * - the network: each run's round trips wait an RTT each, N × (connections busy per node) at a time.
 * No limit for a lock shared by all writers: the change log has none (the measured share of time waiting on locks
 * is reported beside it).
 */

export interface Measured {
  nodes: number;
  /** CPU ms per run, all processes of the kind together. */
  engines: number;
  workers: number;
  postgres: number;
  /** Round trips to Postgres per run, all nodes together. */
  roundTrips: number;
  /** Connections per node inside a transaction, on average. */
  busyPerNode: number;
}

export interface Prediction {
  nodes: number;
  runsPerS: number;
  limit: 'node CPU' | 'Postgres CPU' | 'network round trips';
  limits: { nodeCpu: number; postgresCpu: number; network: number };
}

/** Least-squares line through (N, y). */
function fit(points: readonly { n: number; y: number }[]): (n: number) => number {
  const k = points.length;
  const mx = points.reduce((s, p) => s + p.n, 0) / k;
  const my = points.reduce((s, p) => s + p.y, 0) / k;
  const sxx = points.reduce((s, p) => s + (p.n - mx) ** 2, 0);
  const slope = sxx === 0 ? 0 : Math.max(0, points.reduce((s, p) => s + (p.n - mx) * (p.y - my), 0) / sxx);
  return (n) => Math.max(0, my + slope * (n - mx));
}

export function predict(measured: readonly Measured[], n: number, o: { cores: number; rttMs: number }): Prediction {
  const line = (pick: (m: Measured) => number) => fit(measured.map((m) => ({ n: m.nodes, y: pick(m) })));
  const nodeMs = line((m) => m.engines + m.workers)(n);
  const pgMs = line((m) => m.postgres)(n);
  const rts = line((m) => m.roundTrips)(n);
  const busy = measured.reduce((s, m) => s + m.busyPerNode, 0) / measured.length;
  const limits = {
    nodeCpu: (n * o.cores * 1000) / nodeMs,
    postgresCpu: (o.cores * 1000) / pgMs,
    network: (n * Math.max(1, busy) * 1000) / (rts * o.rttMs),
  };
  const runsPerS = Math.min(limits.nodeCpu, limits.postgresCpu, limits.network);
  const limit = runsPerS === limits.nodeCpu ? 'node CPU' : runsPerS === limits.postgresCpu ? 'Postgres CPU' : 'network round trips';
  return { nodes: n, runsPerS, limit, limits };
}
