import type { Family, FamilySpec, Labels } from './metric-family.ts';

const NO_LABELS: Labels = Object.freeze({});

/**
 * Samples gathered during one scrape, grouped by family. A family is declared by its first sample;
 * a later sample under the same name with another type is a programming error and throws.
 */
export class FamilySet {
  readonly families = new Map<string, Family>();

  add(spec: FamilySpec, value: number, labels: Labels = NO_LABELS, suffix?: string): void {
    let fam = this.families.get(spec.name);
    if (fam === undefined) {
      fam = { name: spec.name, help: spec.help, type: spec.type, samples: [] };
      this.families.set(spec.name, fam);
    } else if (fam.type !== spec.type) {
      throw new TypeError(`family ${spec.name} declared as ${fam.type} and ${spec.type}`);
    }
    fam.samples.push(suffix === undefined ? { labels, value } : { labels, value, suffix });
  }

  /**
   * Copies every family of `other` into this set (used to merge per-collector sets). A family whose
   * type clashes with one already here (a textfile redefining a collector's name) is left out.
   */
  merge(other: FamilySet): void {
    for (const fam of other.families.values()) {
      const existing = this.families.get(fam.name);
      if (existing !== undefined && existing.type !== fam.type) continue;
      for (const s of fam.samples) this.add(fam, s.value, s.labels, s.suffix);
    }
  }
}
