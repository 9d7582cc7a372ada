import type { Metric } from "../lib/metric";
export async function coldStartMetrics(_r: number, _l: (s: string) => void): Promise<Metric[]> { return []; }
