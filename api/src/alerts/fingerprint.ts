import { createHash } from 'node:crypto';

/** The identity of a rule's alert: one per rule × server (or rule × result labelset for PromQL rules without a server). */
export function alertFingerprint(ruleId: string, subject: string): string {
  return createHash('sha256').update(`${ruleId}\u0000${subject}`).digest('hex').slice(0, 16);
}

/** A labelset as a stable text (sorted names), for fingerprints. */
export function labelsKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels).sort().map((k) => `${k}\u0001${labels[k]}`).join('\u0002');
}
