import { describe, expect, it } from 'vitest';
import { negotiateFormat } from './negotiate-format.ts';

describe('negotiateFormat', () => {
  it('answers each Prometheus version the way it asks (compat §1.1)', () => {
    expect(
      negotiateFormat(
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      ),
    ).toBe('openmetrics-1.0.0');
    expect(
      negotiateFormat(
        'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      ),
    ).toBe('openmetrics-1.0.0');
    expect(negotiateFormat('application/openmetrics-text;version=0.0.1')).toBe('openmetrics-0.0.1');
  });

  it('falls back to text 0.0.4', () => {
    expect(negotiateFormat(undefined)).toBe('text-0.0.4');
    expect(negotiateFormat('*/*')).toBe('text-0.0.4');
    expect(negotiateFormat('application/json')).toBe('text-0.0.4');
    expect(negotiateFormat('text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.2')).toBe('text-0.0.4');
    expect(negotiateFormat('application/openmetrics-text;version=9.9.9')).toBe('text-0.0.4');
  });
});
