import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { bmcConfigSchema, type BmcConfig } from '../../agent/drivers/bmc/config.js';
import { createBmcDriver } from '../../agent/drivers/bmc/index.js';
import { createIpmiSource } from '../../agent/drivers/bmc/sources.js';
import { systemClock } from '../../agent/host/clock.js';
import { execFile } from '../../agent/host/exec.js';
import { createBmcClient, fence } from '../../coordinator/fencing/index.js';
import { validateConfig } from '../../lib/config-schema.js';
import { silentLog } from '../../lib/log.js';
import {
  benchSensors,
  ipmiSimUnavailableReason,
  startIpmiSim,
  type IpmiSim,
} from '../harness/ipmi-sim.js';
import type { Bench, BenchResult } from './types.js';

const SENSOR_SAMPLES = 40;
const FENCE_SAMPLES = 40;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}
const round = (x: number) => Math.round(x * 10) / 10;

/**
 * Against a real ipmi_sim with 20 threshold sensors over lanplus (-C 3):
 * - one sensor pass (`ipmitool -c sensor list` + parse), and one full driver observe;
 * - fence (state read, power off, read-back until off) of a powered-on host.
 * The issue sets no numeric targets: the figures are reported.
 */
export const bench: Bench = {
  name: 'bmc',
  async run(): Promise<BenchResult[]> {
    if (await ipmiSimUnavailableReason()) return [];
    let sim: IpmiSim | undefined;
    const dir = await mkdtemp(join(tmpdir(), 'plt-bmc-bench-'));
    try {
      sim = await startIpmiSim({ sensors: benchSensors() });
      const target = {
        interface: 'lanplus' as const,
        host: sim.host,
        port: sim.port,
        user: sim.user,
        password: sim.password,
        cipherSuite: 3,
      };
      const source = createIpmiSource(execFile, target, 10_000);
      const sensorMs: number[] = [];
      for (let i = 0; i < SENSOR_SAMPLES; i++) {
        const t0 = performance.now();
        const r = await source.sensors(AbortSignal.timeout(10_000));
        sensorMs.push(performance.now() - t0);
        if (r.length !== 20 || !r.every((x) => x.ok))
          throw new Error(`sensor pass returned ${r.length} sensors`);
      }

      const pf = join(dir, 'pw');
      await writeFile(pf, sim.password, { mode: 0o600 });
      const config = validateConfig<BmcConfig>(
        bmcConfigSchema,
        {
          source: 'ipmi-lan',
          address: `${sim.host}:${sim.port}`,
          user: sim.user,
          passwordFile: pf,
        },
        'drivers.bmc',
      );
      const driver = createBmcDriver(
        {
          log: silentLog(),
          exec: execFile,
          clock: systemClock,
          metrics: new Registry(),
          markDirty: () => {},
          emit: () => {},
          paths: { stateDir: dir, runDir: dir },
        },
        config,
      );
      await driver.start!();
      await driver.observe(AbortSignal.timeout(30_000)); // FRU read and SEL baseline
      const observeMs: number[] = [];
      for (let i = 0; i < SENSOR_SAMPLES / 2; i++) {
        const t0 = performance.now();
        await driver.observe(AbortSignal.timeout(30_000));
        observeMs.push(performance.now() - t0);
      }
      await driver.stop!();

      const client = createBmcClient(
        {
          protocol: 'ipmi',
          host: sim.host,
          port: sim.port,
          user: sim.user,
          password: sim.password,
        },
        { exec: execFile, log: silentLog() },
      );
      const fenceMs: number[] = [];
      for (let i = 0; i < FENCE_SAMPLES; i++) {
        await sim.setPowerState('on');
        const t0 = performance.now();
        const out = await fence(client, {
          deadlineMs: 30_000,
          retries: 3,
          clock: systemClock,
          pollIntervalMs: 100,
        });
        fenceMs.push(performance.now() - t0);
        if (!out.ok || out.alreadyOff) throw new Error(`fence failed: ${out.message}`);
      }
      await client.close();

      return [
        {
          name: 'bmc: sensor pass over IPMI lanplus, 20 sensors (p50)',
          value: round(percentile(sensorMs, 50)),
          unit: 'ms',
          note: `ipmi_sim, ${SENSOR_SAMPLES} passes`,
        },
        {
          name: 'bmc: full driver observe (sensors, power, SEL) (p50)',
          value: round(percentile(observeMs, 50)),
          unit: 'ms',
          note: '3 ipmitool runs per pass',
        },
        {
          name: 'bmc: fence to power-off confirmed (p50)',
          value: round(percentile(fenceMs, 50)),
          unit: 'ms',
          note: `ipmi_sim, ${FENCE_SAMPLES} fences`,
        },
        {
          name: 'bmc: fence to power-off confirmed (p99)',
          value: round(percentile(fenceMs, 99)),
          unit: 'ms',
          note: 'status + off + read-back',
        },
      ];
    } finally {
      await sim?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};
