import { createAgent } from '../../agent/agent.js';
import { loadAgentConfig, type AgentConfig } from '../../agent/config.js';
import { systemClock } from '../../agent/host/clock.js';
import { execFile } from '../../agent/host/exec.js';
import { createLog, type Log } from '../../lib/log.js';
import { createNotifier } from '../../lib/sd-notify.js';
import { loadTls } from '../../lib/tls.js';
import { loadCoordinatorConfig, type CoordinatorConfig } from '../config.js';
import { createCoordinator } from '../coordinator.js';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Run until SIGINT/SIGTERM, then stop cleanly. A second signal exits at once.
 * READY=1 goes to systemd only once the daemon serves; the watchdog pings run on
 * the event loop, so a wedged loop is what systemd's watchdog catches.
 */
export async function runUntilSignal(
  log: Log,
  parts: Stoppable[],
  readyStatus: string,
): Promise<number> {
  const notifier = createNotifier({ log });
  notifier.ready(readyStatus);
  const stopWatchdog = notifier.startWatchdog();
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (sig: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      notifier.stopping();
      stopWatchdog();
      const hard = setTimeout(() => {
        log.error('clean stop took over 20 s; exiting');
        process.exit(1);
      }, 20_000);
      hard.unref();
      void (async () => {
        for (const p of parts) {
          try {
            await p.stop();
          } catch (e) {
            log.error({ err: (e as Error).message }, 'error while stopping');
          }
        }
        log.flush?.();
        resolve(0);
      })();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function startAgentFromConfig(config: AgentConfig, log: Log) {
  const tls = await loadTls(config.tls, 'agent', 'tls');
  const agent = createAgent({ log, exec: execFile, clock: systemClock, tls }, config);
  await agent.start();
  return agent;
}

export async function startCoordinatorFromConfig(config: CoordinatorConfig, log: Log) {
  const tls = await loadTls(config.tls, 'coordinator', 'tls');
  const coordinator = createCoordinator({ log, tls }, config);
  await coordinator.start();
  return coordinator;
}

export async function runAgent(configPath: string | undefined): Promise<number> {
  const config = await loadAgentConfig(configPath);
  const log = createLog({ level: config.log.level, name: 'agent' });
  const agent = await startAgentFromConfig(config, log);
  return runUntilSignal(log, [agent], `agent ${agent.hostId} running`);
}

export async function runCoordinator(configPath: string | undefined): Promise<number> {
  const config = await loadCoordinatorConfig(configPath);
  const log = createLog({ level: config.log.level, name: 'coordinator' });
  const c = await startCoordinatorFromConfig(config, log);
  return runUntilSignal(log, [c], `coordinator serving on port ${c.port}`);
}

export { systemClock, execFile };
