import { describe, expect, it } from 'vitest';
import { createSelfMetrics, parseMaxFds, parseProcStatus } from './self-metrics.ts';

describe('parseProcStatus', () => {
  it('reads Vm* lines in bytes', () => {
    const status = parseProcStatus('Name:\tnode\nVmSize:\t  1000 kB\nVmRSS:\t    20 kB\nVmData:\t 300 kB\nThreads:\t7\n');
    expect(status.get('VmSize')).toBe(1000 * 1024);
    expect(status.get('VmRSS')).toBe(20 * 1024);
    expect(status.get('VmData')).toBe(300 * 1024);
    expect(status.has('Threads')).toBe(false);
  });
});

describe('parseMaxFds', () => {
  it('takes the soft limit of Max open files', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units     \nMax open files            1024                 524288               files     \n';
    expect(parseMaxFds(limits)).toBe(1024);
    expect(parseMaxFds('')).toBeUndefined();
  });
});

describe('createSelfMetrics', () => {
  it("writes prom-client's process_* and nodejs_* families with live values", () => {
    const families = new Map(createSelfMetrics().collect().map((f) => [f.name, f]));
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('process_resident_memory_bytes')?.samples[0]?.value).toBeGreaterThan(0);
    expect(families.get('process_open_fds')?.samples[0]?.value).toBeGreaterThan(0);
    expect(families.get('nodejs_heap_size_used_bytes')?.samples[0]?.value).toBeGreaterThan(0);
    expect(families.get('nodejs_version_info')?.samples[0]?.labels).toEqual({
      version: process.version,
      major: String(process.versions.node.split('.')[0]),
      minor: String(process.versions.node.split('.')[1]),
      patch: String(process.versions.node.split('.')[2]),
    });
  });
});
