// Character classes of metric and label names (compat §1.2, §1.3):
// metric `[a-zA-Z_:][a-zA-Z0-9_:]*`, label `[a-zA-Z_][a-zA-Z0-9_]*`.

const LETTER = 1;
const DIGIT = 2;
const COLON = 4;
const CLASS = new Uint8Array(128);
for (let c = 65; c <= 90; c++) CLASS[c] = LETTER;
for (let c = 97; c <= 122; c++) CLASS[c] = LETTER;
CLASS[95] = LETTER;
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
CLASS[58] = COLON;

/** Index just past the metric name starting at `start`, or `start` when none starts there. */
export function scanMetricName(s: string, start: number, end: number): number {
  let i = start;
  if (i >= end || ((CLASS[s.charCodeAt(i)] ?? 0) & (LETTER | COLON)) === 0) return start;
  for (i++; i < end && ((CLASS[s.charCodeAt(i)] ?? 0) & (LETTER | DIGIT | COLON)) !== 0; i++);
  return i;
}

/** Index just past the label name starting at `start`, or `start` when none starts there. */
export function scanLabelName(s: string, start: number, end: number): number {
  let i = start;
  if (i >= end || ((CLASS[s.charCodeAt(i)] ?? 0) & LETTER) === 0) return start;
  for (i++; i < end && ((CLASS[s.charCodeAt(i)] ?? 0) & (LETTER | DIGIT)) !== 0; i++);
  return i;
}

/** Whether the whole string is a valid metric name. */
export function isMetricName(name: string): boolean {
  return name.length > 0 && scanMetricName(name, 0, name.length) === name.length;
}

/** Whether the whole string is a valid label name. */
export function isLabelName(name: string): boolean {
  return name.length > 0 && scanLabelName(name, 0, name.length) === name.length;
}
