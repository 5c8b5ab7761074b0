import type { Labels } from './exposition.ts';

/**
 * Adds one label; false when the name is already there. Own-property checks keep names such as
 * `constructor` or `__proto__` (valid label names) from meeting Object.prototype.
 */
export function setLabel(labels: Labels, name: string, value: string, dropEmpty: boolean): boolean {
  if (labels[name] !== undefined && Object.hasOwn(labels, name)) return false;
  if (dropEmpty && value === '') return true;
  if (name === '__proto__') Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  else labels[name] = value;
  return true;
}

/**
 * The same for a sample whose label names so far are `names[0, count)` (names[count] is `name`):
 * the duplicate check compares names instead of looking the key up in a megamorphic object.
 */
export function addLabel(labels: Labels, names: readonly string[], count: number, name: string, value: string, dropEmpty: boolean): boolean {
  if (name === '__name__') return false;
  for (let i = 0; i < count; i++) if (names[i] === name) return false;
  if (dropEmpty && value === '') return true;
  if (name === '__proto__') Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true });
  else labels[name] = value;
  return true;
}
