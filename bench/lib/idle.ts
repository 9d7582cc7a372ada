import { nowMs, pct, sleep, sortNum } from './stats';

/**
 * One request timed back-to-back and 20 ms apart, p50 of `n` each: what the machine charges for a process
 * having been idle, which every stage of a run triggered at a low rate pays (the latency rounds space their
 * runs 20 ms apart).
 */
export async function idlePenalty(request: () => Promise<unknown>, n = 40): Promise<{ hot: number; spaced: number }> {
  const once = async (): Promise<number> => {
    const t = nowMs();
    await request();
    return nowMs() - t;
  };
  for (let i = 0; i < 50; i++) await once();
  const hot: number[] = [];
  const spaced: number[] = [];
  for (let i = 0; i < n; i++) hot.push(await once());
  for (let i = 0; i < n; i++) {
    await sleep(20);
    spaced.push(await once());
  }
  return { hot: pct(sortNum(hot), 0.5), spaced: pct(sortNum(spaced), 0.5) };
}
