// `npm run bench -- reliability`: the fault suite, security checks and fuzz tests, then a bounded
// soak of the whole stack; writes docs/reliability.md. The figures are absolute (no peer runs the
// same faults): the peer column of the bench table holds the bound each figure is held to.
import { runSuites } from '../reliability/run-suites.ts';
import type { SuitesResult } from '../reliability/run-suites.ts';
import { runSoak } from '../reliability/soak.ts';
import type { SoakResult } from '../reliability/soak.ts';
import { ackedRate, growth, REPORT, writeReport } from '../reliability/write-report.ts';
import type { Measurement, Scenario } from '../scenario.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

export const reliabilityScenario: Scenario = {
  name: 'reliability',
  description: 'faults, fuzzing and security checks, then a soak: 1000 simulated exporters at 15 s plus 50k samples/s of remote-write for 10 minutes',
  async run({ log, signal }) {
    const startedAt = new Date();
    const suites: SuitesResult | undefined = process.env.SOAK_SUITES === '0' ? undefined : await runSuites(log);
    const minutes = env('SOAK_MINUTES', 10);
    const soak: SoakResult | undefined =
      minutes > 0
        ? await runSoak({
            minutes,
            warmupMinutes: env('SOAK_WARMUP_MINUTES', 2),
            exporters: env('SOAK_EXPORTERS', 1000),
            scrapeIntervalS: env('SOAK_SCRAPE_INTERVAL', 15),
            rate: env('SOAK_RW_RATE', 50_000),
            sampleEveryMs: env('SOAK_SAMPLE_EVERY', 30) * 1000,
            log,
            signal,
          })
        : undefined;
    await writeReport({ suites, soak, startedAt, append: process.env.SOAK_APPEND === '1' });
    log(`wrote ${REPORT}`);
    const measurements: Measurement[] = [];
    if (suites !== undefined) measurements.push({ metric: 'reliability tests failed (peer: allowed)', unit: 'tests', sextant: suites.failed, peer: 0, better: 'lower' });
    if (soak !== undefined) {
      measurements.push({ metric: 'acknowledged remote-write samples missing (peer: allowed)', unit: 'samples', sextant: soak.rwAcked - Math.min(soak.rwAcked, soak.rwStored), peer: 0, better: 'lower' });
      for (const name of ['ingester', 'api', 'postgresql without shared memory (Pss)']) measurements.push({ metric: `${name} RSS growth after warm-up (peer: bound)`, unit: '%', sextant: growth(soak, name), peer: 10, better: 'lower', targetRatio: 1 });
      // Held means within 2 % of the offered rate: the per-window rates miss what is in flight at a window's edges.
      measurements.push({ metric: 'remote-write acknowledged after warm-up, mean (peer: offered)', unit: 'samples/s', sextant: ackedRate(soak), peer: soak.options.rate, better: 'higher', targetRatio: 0.98 });
      measurements.push({ metric: 'scrape gap p99 (peer: the interval)', unit: 's', sextant: soak.scrapeGapP99S, peer: soak.options.scrapeIntervalS, better: 'lower' });
    }
    return { peer: 'the bounds in docs/reliability.md', method: `See docs/reliability.md, written by this run.`, measurements };
  },
};
