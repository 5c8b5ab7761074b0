import type { Matcher } from './silence-schema.ts';

/** Whether every matcher holds for `labels` (a missing label reads as ""), as Alertmanager matches silences. */
export function silenceMatches(matchers: readonly Matcher[], labels: Readonly<Record<string, string>>): boolean {
  return matchers.every((m) => {
    const value = labels[m.name] ?? '';
    const hit = m.isRegex ? new RegExp(`^(?:${m.value})$`).test(value) : value === m.value;
    return hit === m.isEqual;
  });
}
