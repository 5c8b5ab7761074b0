/** A body that its format does not allow. `line` is 1-based; the whole body is rejected (compat §1.3). */
export class ExpositionParseError extends Error {
  readonly code = 'EXPOSITION_PARSE';
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ExpositionParseError';
    this.line = line;
  }
}
