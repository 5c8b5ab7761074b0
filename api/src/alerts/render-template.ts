/**
 * Fills an annotation template the way Prometheus rule templates are commonly written:
 * `{{ $labels.x }}`, `{{ .Labels.x }}`, `{{ $value }}`, `{{ .Value }}`, `{{ $labels.x | default }}`-free
 * subset. Unknown labels render empty; anything else between braces is left as written.
 */
export function renderTemplate(template: string, labels: Readonly<Record<string, string>>, value: number | null): string {
  return template.replace(/\{\{-?\s*(\$labels|\.Labels)\.([a-zA-Z_][a-zA-Z0-9_]*)\s*-?\}\}|\{\{-?\s*(\$value|\.Value)\s*-?\}\}/g, (whole, _l, name?: string, v?: string) => {
    if (v !== undefined) return value === null ? '' : String(value);
    return name === undefined ? whole : (labels[name] ?? '');
  });
}

/** Every annotation of a rule rendered for one alert. */
export function renderAnnotations(templates: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>, value: number | null): Record<string, string> {
  return Object.fromEntries(Object.entries(templates).map(([k, t]) => [k, renderTemplate(t, labels, value)]));
}
