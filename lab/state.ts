import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, PlinthError } from '../lib/errors.js';
import { assertLabName, labLayout, type LabLayout } from './layout.js';
import { SAFE } from './host-scripts.js';

/** What `lab up` decided, kept in DIR/lab.json so later commands (other processes) find it. */
export interface LabState {
  version: 1;
  name: string;
  dir: string;
  hosts: number;
  subnetIndex: number;
  ceph: boolean;
  /** How daemons run plinth: the compiled tree (bin/plinth.js) or the TypeScript source via tsx. */
  runtime: LabRuntime;
  coordinator: {
    heartbeatSeconds: number;
    suspectAfterSeconds: number;
    downAfterSeconds: number;
    startupGraceSeconds: number;
  };
  createdAt: string;
}

export type LabRuntime = 'dist' | 'source';

export const STATE_FILE = 'lab.json';

export function defaultLabDir(name: string): string {
  return join(tmpdir(), `plinth-lab-${assertLabName(name)}`);
}

export function resolveLabDir(name: string, dir?: string): string {
  const d = resolve(dir ?? defaultLabDir(name));
  // Paths end up in generated scripts and daemon configs: keep them boring.
  if (!SAFE.test(d) || d.includes('..') || d === '/' || d.startsWith('/run/'))
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `lab directory ${JSON.stringify(d)} must be an absolute path of A-Za-z0-9._-/ outside /run`,
    );
  return d;
}

export function readState(dir: string): LabState | undefined {
  const f = join(dir, STATE_FILE);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as LabState;
  } catch (e) {
    throw new PlinthError(ErrorCodes.CONFIG, `${f} is not valid JSON: ${(e as Error).message}`);
  }
}

export function requireState(name: string, dir?: string): LabState {
  const d = resolveLabDir(name, dir);
  const s = readState(d);
  if (!s)
    throw new PlinthError(
      ErrorCodes.NOT_FOUND,
      `no lab "${name}" in ${d} (start one with: plinth lab up --hosts 3${name === 'lab' ? '' : ` --name ${name}`})`,
    );
  return s;
}

export async function writeState(s: LabState): Promise<void> {
  const f = join(s.dir, STATE_FILE);
  await writeFile(`${f}.tmp`, JSON.stringify(s, null, 2) + '\n', { mode: 0o644 });
  await rename(`${f}.tmp`, f);
}

export function layoutOf(s: LabState): LabLayout {
  return labLayout(s.name, s.dir, s.hosts, s.subnetIndex);
}

/** The plinth tree this module runs from (lab/ from source, dist/lab/ when built). */
export function repoRoot(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'bin', 'plinth.js'))) return d;
    d = dirname(d);
  }
  throw new PlinthError(ErrorCodes.INTERNAL, 'cannot find the plinth tree (bin/plinth.js)');
}

export interface LabPaths {
  pki: string;
  ca: string;
  adminCert: string;
  adminKey: string;
  cliConfig: string;
  images: string;
  coordDir: string;
  spineDir: string;
  plinthJs: string;
  distMain: string;
  sourceMain: string;
}

export function labPaths(dir: string): LabPaths {
  const root = repoRoot();
  const pki = join(dir, 'pki');
  return {
    pki,
    ca: join(pki, 'ca.crt'),
    adminCert: join(pki, 'admin-admin.crt'),
    adminKey: join(pki, 'admin-admin.key'),
    cliConfig: join(dir, 'cli.json'),
    images: join(dir, 'images'),
    coordDir: join(dir, 'coordinator'),
    spineDir: join(dir, 'spine'),
    plinthJs: join(root, 'bin', 'plinth.js'),
    distMain: join(root, 'dist', 'coordinator', 'cli', 'main.js'),
    sourceMain: join(root, 'lab', 'plinth-source.ts'),
  };
}

/** The compiled tree when it is there, else the source. */
export function defaultRuntime(p: LabPaths): LabRuntime {
  return existsSync(p.distMain) ? 'dist' : 'source';
}

/** Arguments after `node` that run the plinth executable in this runtime. */
export function plinthArgv(p: LabPaths, runtime: LabRuntime): string[] {
  if (runtime === 'dist') return [p.plinthJs];
  return ['--import', import.meta.resolve('tsx'), p.sourceMain];
}
