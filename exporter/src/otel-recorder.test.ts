import { describe, expect, it } from 'vitest';
import { FamilySet } from './family-set.ts';
import { family } from './metric-family.ts';
import { createOtelRecorder } from './otel-recorder.ts';

const RSS = family('sextant_top_process_resident_memory_bytes', 'gauge', 'rss');
const CPU = family('node_cpu_seconds_total', 'counter', 'cpu');
const PGFAULT = family('node_vmstat_pgfault', 'untyped', 'pgfault');

describe('createOtelRecorder', () => {
  it('round-trips names, types and labels through the SDK and drops series that vanished', async () => {
    const recorder = createOtelRecorder();
    try {
      const first = new FamilySet();
      first.add(RSS, 10, { pid: '1', comm: 'a' });
      first.add(CPU, 2.5, { cpu: '0', mode: 'idle' });
      first.add(PGFAULT, 3);
      const one = await recorder.record(first);
      expect(one.map((f) => [f.name, f.type]).sort()).toEqual([
        ['node_cpu_seconds_total', 'counter'],
        ['node_vmstat_pgfault', 'untyped'],
        ['sextant_top_process_resident_memory_bytes', 'gauge'],
      ]);
      expect(one.find((f) => f.name === CPU.name)!.samples).toEqual([{ labels: { cpu: '0', mode: 'idle' }, value: 2.5 }]);

      const second = new FamilySet();
      second.add(RSS, 20, { pid: '2', comm: 'b' });
      second.add(CPU, 3, { cpu: '0', mode: 'idle' });
      const two = await recorder.record(second);
      expect(two.find((f) => f.name === RSS.name)!.samples).toEqual([{ labels: { pid: '2', comm: 'b' }, value: 20 }]);
      expect(two.find((f) => f.name === PGFAULT.name)).toBeUndefined();
    } finally {
      await recorder.close();
    }
  });

  it('passes textfile histograms through unchanged, suffixes and all', async () => {
    const recorder = createOtelRecorder();
    try {
      const set = new FamilySet();
      const hist = family('backup_duration_seconds', 'histogram', 'h');
      set.add(hist, 1, { le: '+Inf' }, '_bucket');
      set.add(hist, 2.5, {}, '_sum');
      set.add(hist, 1, {}, '_count');
      const [fam] = await recorder.record(set);
      expect(fam!.samples.map((s) => s.suffix)).toEqual(['_bucket', '_sum', '_count']);
    } finally {
      await recorder.close();
    }
  });
});
