// Parses one payload file in its own process for the parse bench, so that the figures are the
// parser's alone: `node parse-main.ts <file> <text|openmetrics> <rounds>`. Each round decodes the
// bytes (UTF-8, as the scraper must) and parses; prints one JSON line per round.
import { readFileSync } from 'node:fs';
import { parseExposition } from '@sextant/exposition';
import type { ExpositionFormat } from '@sextant/exposition';

const [file, format, roundsText] = process.argv.slice(2);
const bytes = readFileSync(file!);
const rounds = Number(roundsText ?? 3);
for (let i = 0; i < rounds; i++) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const { samples } = parseExposition(bytes.toString('utf8'), format as ExpositionFormat);
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ samples: samples.length, cpuSeconds: (used.user + used.system) / 1e6, wallSeconds: (performance.now() - wall) / 1000 })}\n`);
}
