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
