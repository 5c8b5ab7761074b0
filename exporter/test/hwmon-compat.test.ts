import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stopChild } from '@sextant/testkit/process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHwmonCollector } from '../src/collectors/hwmon-collector.ts';
import { FamilySet } from '../src/family-set.ts';
import { serializeExposition } from '../src/serialize-exposition.ts';
import { NODE_EXPORTER, parseText, startNodeExporter } from './peers.ts';

// A synthetic /sys with two chips and one of every kind of hwmon file node_exporter 1.5 knows,
// plus files it ignores; this VM has no sensors, so both exporters read this tree instead.
const CHIPS: Record<string, { device: string; files: Record<string, string> }> = {
  hwmon0: {
    device: 'devices/platform/coretemp.0',
    files: {
      name: 'coretemp', temp1_input: '45000', temp1_label: 'Package id 0', temp1_crit: '100000', temp1_max: '84000',
      temp1_crit_alarm: '0', temp1_crit_hyst: '95000', temp2_input: '43500', temp2_label: 'Core 0', temp2_fault: '0',
      temp2_type: '1', temp3: '7', fan1_input: '1200', fan1_min: '300', fan1_alarm: '0', fan1_beep: '1', in0_input: '3300',
      in0_label: 'VCC', in0_min: '3000', curr1_input: '250', power1_average: '12500000', power1_accuracy: '20000',
      power1_average_interval: '1000', energy1_input: '1000000', humidity1_input: '55000', intrusion0_alarm: '0', pwm1: '128',
      pwm1_enable: '2', beep_enable: '1', vrm: '90', update_interval: '2000', freq1_input: '1500000', weird_thing: '42',
    },
  },
  hwmon1: { device: 'devices/virtual/thermal/thermal_zone0', files: { name: 'acpitz', temp1_input: '27800' } },
};

async function buildSysfs(root: string): Promise<void> {
  await mkdir(path.join(root, 'class/hwmon'), { recursive: true });
  for (const [hwmon, chip] of Object.entries(CHIPS)) {
    const dir = path.join(root, chip.device, 'hwmon', hwmon);
    await mkdir(dir, { recursive: true });
    for (const [file, content] of Object.entries(chip.files)) await writeFile(path.join(dir, file), `${content}\n`);
    await symlink(path.relative(dir, path.join(root, chip.device)), path.join(dir, 'device'));
    await symlink(path.relative(path.join(root, 'class/hwmon'), dir), path.join(root, 'class/hwmon', hwmon));
  }
}

function hwmonLines(text: string, kind: '# HELP' | '# TYPE'): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${kind} node_hwmon_`)).sort();
}

describe.skipIf(NODE_EXPORTER === undefined)('hwmon beside node_exporter 1.5 on a synthetic /sys', () => {
  let root = '';
  let peer: { url: string; child: ChildProcess } | undefined;
  let theirs = '';
  let ours = '';

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sextant-sysfs-'));
    await buildSysfs(root);
    peer = await startNodeExporter([`--path.sysfs=${root}`, '--collector.disable-defaults', '--collector.hwmon']);
    theirs = await (await fetch(`${peer.url}/metrics`)).text();
    const set = new FamilySet();
    await createHwmonCollector({ procfs: '/proc', sysfs: root, rootfs: '/' }).collect(set, AbortSignal.timeout(5000));
    ours = serializeExposition(set.families.values(), 'text-0.0.4');
  });

  afterAll(async () => {
    await stopChild(peer?.child);
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it('writes the same families with the same TYPE and HELP', () => {
    expect(hwmonLines(theirs, '# TYPE').length).toBeGreaterThan(20);
    expect(hwmonLines(ours, '# TYPE')).toEqual(hwmonLines(theirs, '# TYPE'));
    expect(hwmonLines(ours, '# HELP')).toEqual(hwmonLines(theirs, '# HELP'));
  });

  it('writes the same series with the same values', () => {
    const series = (text: string) => {
      const out: string[] = [];
      for (const [name, fam] of parseText(text)) {
        if (!name.startsWith('node_hwmon_')) continue;
        for (const s of fam.series) out.push(`${name}${JSON.stringify(Object.entries(s.labels).sort())} ${s.value.toPrecision(12)}`);
      }
      return out.sort();
    };
    expect(series(ours)).toEqual(series(theirs));
  });
});
