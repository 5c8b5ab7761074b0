/** One documented environment variable. */
export interface EnvDoc {
  name: string;
  default: string;
  description: string;
}

/** Formats variables as an aligned block for `--help`. */
export function formatEnvHelp(title: string, docs: readonly EnvDoc[]): string {
  const width = Math.max(...docs.map((d) => d.name.length));
  const lines = docs.map((d) => `  ${d.name.padEnd(width)}  ${d.description} (default: ${d.default})`);
  return `\n${title}:\n${lines.join('\n')}\n`;
}
