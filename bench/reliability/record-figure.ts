// Tests of the reliability suite report what they tried (fuzz cases, samples acknowledged, faults
// survived) through this, so `npm run bench -- reliability` can put the figures in docs/reliability.md.
// Without SEXTANT_RELIABILITY_FIGURES (a file path) it does nothing.
import { appendFileSync } from 'node:fs';

/** One figure of a reliability test: `suite` groups rows in the table, `name` is the row. */
export interface ReliabilityFigure {
  suite: string;
  name: string;
  value: number | string;
  unit?: string;
}

/** Appends the figure as one JSON line to $SEXTANT_RELIABILITY_FIGURES, when set. */
export function recordFigure(figure: ReliabilityFigure): void {
  const file = process.env.SEXTANT_RELIABILITY_FIGURES;
  if (file === undefined || file === '') return;
  appendFileSync(file, `${JSON.stringify({ ...figure, at: new Date().toISOString() })}\n`);
}
