import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/frr');

/** Captured real vtysh output (regenerate with test/fixtures/frr/capture.ts). */
export function fixture(name: string): string {
  return readFileSync(join(dir, name), 'utf8');
}

export function fixtureJson(name: string): unknown {
  return JSON.parse(fixture(name)) as unknown;
}
