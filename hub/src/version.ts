import { readFileSync } from 'node:fs';

/** The hub package's version (`/version`, `/metrics`); 0.0.0 when package.json cannot be read. */
export function peapodVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
