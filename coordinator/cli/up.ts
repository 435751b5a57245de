import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAgentConfig } from '../../agent/config.js';
import { createLog } from '../../lib/log.js';
import { initCa, issueToDir, certPaths } from '../../lib/pki.js';
import { parseCoordinatorConfig } from '../config.js';
import { runUntilSignal, startAgentFromConfig, startCoordinatorFromConfig } from './daemons.js';

export interface UpOptions {
  dir: string;
  hostId?: string;
  port: number;
  agentMetricsPort: number;
  coordinatorMetricsPort: number;
  logLevel: string;
}

/** This machine's hostname as a valid host id. */
export function defaultHostId(): string {
  const id = hostname()
    .toLowerCase()
    .split('.')[0]!
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63);
  return id || 'localhost';
}

async function writeIfMissing(path: string, body: unknown): Promise<void> {
  if (!existsSync(path))
    await writeFile(path, JSON.stringify(body, null, 2) + '\n', { mode: 0o640 });
}

/**
 * `plinth up`: a coordinator and an agent for this host, on 127.0.0.1, with a dev
 * CA generated on first run, all under one directory (default ./.plinth). Safe to
 * run again: existing keys and configs are kept.
 */
export async function up(o: UpOptions): Promise<number> {
  const dir = resolve(o.dir);
  const pki = join(dir, 'pki');
  const say = (s: string) => process.stdout.write(s + '\n');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (await initCa(pki, { commonName: 'plinth dev CA' })) say(`created a dev CA in ${pki}`);
  const hostId = o.hostId ?? defaultHostId();
  const coord = await issueToDir(pki, { role: 'coordinator', name: 'coordinator' });
  const agentCert = await issueToDir(pki, { role: 'agent', name: hostId });
  const admin = await issueToDir(pki, { role: 'admin', name: 'admin' });
  if (coord.created || agentCert.created || admin.created)
    say(`issued certificates for the coordinator, agent ${hostId} and the CLI (admin)`);

  const address = `127.0.0.1:${o.port}`;
  const coordinatorFile = join(dir, 'coordinator.json');
  const agentFile = join(dir, 'agent.json');
  await writeIfMissing(coordinatorFile, {
    dataDir: join(dir, 'coordinator'),
    listen: address,
    tls: { ca: join(pki, 'ca.crt'), cert: coord.cert, key: coord.key },
    metrics: { listen: `127.0.0.1:${o.coordinatorMetricsPort}` },
  });
  await writeIfMissing(agentFile, {
    dataDir: join(dir, 'agent'),
    coordinator: { address },
    tls: { ca: join(pki, 'ca.crt'), cert: agentCert.cert, key: agentCert.key },
    metrics: { listen: `127.0.0.1:${o.agentMetricsPort}` },
    drivers: { host: { enabled: true } },
  });
  await writeIfMissing(join(dir, 'cli.json'), {
    coordinator: address,
    ca: 'pki/ca.crt',
    cert: certPaths(pki, 'admin', 'admin').cert,
    key: certPaths(pki, 'admin', 'admin').key,
  });

  const cConf = parseCoordinatorConfig(
    JSON.parse(await readFile(coordinatorFile, 'utf8')),
    `config file ${coordinatorFile}`,
  );
  const aConf = parseAgentConfig(
    JSON.parse(await readFile(agentFile, 'utf8')),
    `config file ${agentFile}`,
  );
  const log = createLog({ level: o.logLevel });
  const coordinator = await startCoordinatorFromConfig(cConf, log.child({ svc: 'coordinator' }));
  const agent = await startAgentFromConfig(aConf, log.child({ svc: 'agent' }));
  say('');
  say(
    `plinth is up: coordinator on ${cConf.listen} (mTLS), agent "${agent.hostId}" for this host.`,
  );
  say('');
  say('Try, in another terminal in this directory:');
  say('  plinth hosts                      # the host, its state and inventory');
  say(`  plinth host show ${agent.hostId}`);
  say('  plinth events --follow            # what happens, as it happens');
  say(
    `  curl -s http://127.0.0.1:${agent.metricsPort}/metrics | grep plinth_   # what Prometheus scrapes`,
  );
  say('');
  say(
    `Configs: ${coordinatorFile}, ${agentFile} (enable more drivers under "drivers"). Ctrl-C stops both.`,
  );
  return runUntilSignal(log, [agent, coordinator], 'plinth up running');
}
