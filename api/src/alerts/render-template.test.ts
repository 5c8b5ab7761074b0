import { describe, expect, it } from 'vitest';
import { renderTemplate } from './render-template.ts';

describe('renderTemplate', () => {
  it('fills labels and the value in both Prometheus spellings', () => {
    const labels = { server: 'web-1', instance: 'web-1:9100' };
    expect(renderTemplate('{{ $labels.server }} at {{ $value }}%', labels, 93.5)).toBe('web-1 at 93.5%');
    expect(renderTemplate('{{.Labels.instance}} {{ .Value }}', labels, 2)).toBe('web-1:9100 2');
  });

  it('renders unknown labels empty and leaves other actions alone', () => {
    expect(renderTemplate('[{{ $labels.nope }}] {{ humanize $value }}', {}, 1)).toBe('[] {{ humanize $value }}');
  });
});
