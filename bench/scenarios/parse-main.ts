// Parses one payload file in its own process for the parse bench, so that the figures are the
// parser's alone: `node parse-main.ts <file> <text|openmetrics> <rounds> [repeat]`. Each round
// decodes the bytes (UTF-8, as the scraper must) and parses them, `repeat` times (default 1, the
// results dropped as a scrape loop drops them); prints one JSON line per round.
import { readFileSync } from 'node:fs';
import { parseExposition } from '@sextant/exposition';
import type { ExpositionFormat } from '@sextant/exposition';

const [file, format, roundsText, repeatText] = process.argv.slice(2);
const bytes = readFileSync(file!);
const rounds = Number(roundsText ?? 3);
const repeat = Number(repeatText ?? 1);
for (let i = 0; i < rounds; i++) {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  let samples = 0;
  for (let r = 0; r < repeat; r++) samples += parseExposition(bytes.toString('utf8'), format as ExpositionFormat).samples.length;
  const used = process.cpuUsage(cpu);
  process.stdout.write(`${JSON.stringify({ samples, cpuSeconds: (used.user + used.system) / 1e6, wallSeconds: (performance.now() - wall) / 1000 })}\n`);
}
