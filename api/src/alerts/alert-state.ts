import type { Operator } from '../alert-rules/alert-rule-schema.ts';

/** The part of a rule the state machine needs. */
export interface Condition {
  operator: Operator;
  threshold: number;
  /** Where an open alert clears (hysteresis); null = `threshold`. */
  clearThreshold: number | null;
  forMs: number;
}

/** An open alert of one fingerprint: pending since `startMs`, firing since `firedMs`. `id` when stored. */
export interface OpenAlert {
  id: string | undefined;
  status: 'pending' | 'firing';
  startMs: number;
  firedMs: number | null;
  value: number;
}

/** A firing episode that ended: what goes into `alerts` as resolved. */
export interface ClosedAlert {
  id: string | undefined;
  startMs: number;
  firedMs: number;
  resolvedMs: number;
  value: number;
}

/** Everything one fingerprint went through during an evaluation. */
export interface Track {
  initial: OpenAlert | undefined;
  open: OpenAlert | undefined;
  closed: ClosedAlert[];
}

export function compare(value: number, operator: Operator, threshold: number): boolean {
  switch (operator) {
    case '>': return value > threshold;
    case '>=': return value >= threshold;
    case '<': return value < threshold;
    case '<=': return value <= threshold;
  }
}

/**
 * One observation at `tMs` (`value` undefined: no current data). A new alert opens when the value
 * crosses `threshold`; an open one holds while it stays beyond `clearThreshold`, turns firing once
 * it has been open `forMs` (Prometheus's `for`), and otherwise resolves (firing) or is dropped
 * (pending, as Prometheus drops pending alerts: a flap shorter than `for` leaves no alert).
 */
export function observe(track: Track, tMs: number, value: number | undefined, rule: Condition): void {
  const open = track.open;
  if (open !== undefined && tMs < open.startMs) return;
  const holds = value !== undefined && open !== undefined && compare(value, rule.operator, rule.clearThreshold ?? rule.threshold);
  if (open !== undefined && !holds) {
    if (open.status === 'firing') track.closed.push({ id: open.id, startMs: open.startMs, firedMs: open.firedMs!, resolvedMs: tMs, value: value ?? open.value });
    track.open = undefined;
    // A value that clears the old alert cannot open a new one at the same instant (it is past the clear threshold).
    return;
  }
  if (value === undefined) return;
  if (open === undefined) {
    if (!compare(value, rule.operator, rule.threshold)) return;
    track.open = { id: undefined, status: 'pending', startMs: tMs, firedMs: null, value };
  } else {
    open.value = value;
  }
  const current = track.open!;
  if (current.status === 'pending' && tMs - current.startMs >= rule.forMs) {
    current.status = 'firing';
    current.firedMs = tMs;
  }
}
