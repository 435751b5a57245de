import t from 'tap';
import type { SelEntry, SensorResult } from '../../../agent/drivers/bmc/model.js';
import { selSeverity, statusFromThresholds } from '../../../agent/drivers/bmc/model.js';
import {
  newSelEntries,
  selEvent,
  sensorConditions,
  sensorObjects,
} from '../../../agent/drivers/bmc/observe-map.js';

const cpu = (
  value: number,
  status: 'ok' | 'non-critical' | 'critical' | 'non-recoverable',
): SensorResult => ({
  ok: true,
  name: 'CPU Temp',
  type: 'temperature',
  unit: 'celsius',
  value,
  status,
  thresholds: { upperNonCritical: 75, upperCritical: 85, upperNonRecoverable: 95 },
});
const fan: SensorResult = {
  ok: true,
  name: 'FAN1',
  type: 'fan',
  unit: 'rpm',
  value: 400,
  status: 'critical',
  thresholds: { lowerCritical: 500 },
};
const broken: SensorResult = { ok: false, name: 'PSU2', error: 'no numeric reading' };

t.test('objects: the reading is in the object only while the sensor is not ok', async (t) => {
  const [ok] = sensorObjects([cpu(40, 'ok')]);
  t.same(ok, {
    kind: 'bmc.sensor',
    id: 'CPU Temp',
    data: {
      name: 'CPU Temp',
      type: 'temperature',
      unit: 'celsius',
      status: 'ok',
      thresholds: { upperNonCritical: 75, upperCritical: 85, upperNonRecoverable: 95 },
    },
  });
  t.same(sensorObjects([cpu(41, 'ok')]), [ok], 'a changed ok reading does not change the object');
  t.equal(sensorObjects([cpu(90, 'critical')])[0]!.data.value, 90);
  t.same(sensorObjects([broken])[0], {
    kind: 'bmc.sensor',
    id: 'PSU2',
    data: { name: 'PSU2', readError: 'no numeric reading' },
  });
  t.same(
    sensorObjects([broken, broken]).map((o) => o.id),
    ['PSU2', 'PSU2#2'],
    'duplicate names stay unique',
  );
});

t.test('conditions', async (t) => {
  const table: [string, SensorResult[], unknown[]][] = [
    [
      'all ok',
      [cpu(40, 'ok')],
      [
        {
          type: 'degraded',
          status: false,
          reason: 'SensorsOk',
          message: 'no BMC sensor is critical',
        },
      ],
    ],
    ['non-critical is not degraded', [cpu(80, 'non-critical')], [{ status: false }]],
    [
      'critical',
      [cpu(90, 'critical')],
      [
        {
          type: 'degraded',
          status: true,
          reason: 'SensorCritical',
          message: 'CPU Temp reads 90 celsius, critical (upper critical 85)',
        },
      ],
    ],
    [
      'non-recoverable',
      [cpu(97, 'non-recoverable')],
      [
        {
          status: true,
          message: 'CPU Temp reads 97 celsius, non-recoverable (upper non-recoverable 95)',
        },
      ],
    ],
    [
      'two sensors',
      [cpu(90, 'critical'), fan],
      [
        {
          status: true,
          message: /CPU Temp reads 90.*; FAN1 reads 400 rpm, critical \(lower critical 500\)/,
        },
      ],
    ],
    ['only read errors: no verdict', [broken], []],
    ['nothing', [], []],
  ];
  for (const [what, input, want] of table) t.match(sensorConditions(input), want, what);
  t.equal(sensorConditions([cpu(90, 'critical')]).length, 1);
});

t.test('status from thresholds and SEL severities', async (t) => {
  const th = {
    lowerCritical: 10,
    lowerNonCritical: 11,
    upperNonCritical: 75,
    upperCritical: 85,
    upperNonRecoverable: 95,
  };
  const table: [number, string][] = [
    [50, 'ok'],
    [75, 'non-critical'],
    [85, 'critical'],
    [99, 'non-recoverable'],
    [11, 'non-critical'],
    [3, 'critical'],
  ];
  for (const [v, s] of table) t.equal(statusFromThresholds(v, th), s, String(v));
  t.equal(selSeverity('Upper Critical going high', 'asserted'), 'critical');
  t.equal(selSeverity('Upper Non-critical going high', 'asserted'), 'warning');
  t.equal(selSeverity('Lower Non-recoverable going low', 'asserted'), 'critical');
  t.equal(selSeverity('Upper Critical going high', 'deasserted'), 'info');
  t.equal(selSeverity('Power Supply AC lost'), 'info');
});

const sel = (id: number): SelEntry => ({
  id,
  time: 'Pre-Init',
  sensor: 'Temperature CPU Temp',
  event: 'Upper Critical going high',
  direction: 'asserted',
  severity: 'critical',
});

t.test('new SEL entries since the cursor', async (t) => {
  const src = 'ipmi-lan:127.0.0.1:623';
  const table: [
    string,
    SelEntry[],
    { source: string; lastId: number } | undefined,
    number[],
    number,
    boolean,
  ][] = [
    ['first pass is a baseline', [sel(1), sel(2)], undefined, [], 2, true],
    ['empty SEL baseline', [], undefined, [], 0, true],
    [
      'new ones only',
      [sel(1), sel(2), sel(3), sel(4)],
      { source: src, lastId: 2 },
      [3, 4],
      4,
      false,
    ],
    ['unsorted input', [sel(4), sel(3), sel(2)], { source: src, lastId: 2 }, [3, 4], 4, false],
    ['nothing new', [sel(1), sel(2)], { source: src, lastId: 2 }, [], 2, false],
    ['cleared SEL: everything is new', [sel(1)], { source: src, lastId: 9 }, [1], 1, false],
    ['another BMC: baseline', [sel(5)], { source: 'redfish:https://x', lastId: 2 }, [], 5, true],
  ];
  for (const [what, entries, cursor, fresh, lastId, baseline] of table) {
    const r = newSelEntries(entries, cursor, src);
    t.same(
      r.fresh.map((e) => e.id),
      fresh,
      what,
    );
    t.same(r.cursor, { source: src, lastId }, what);
    t.equal(r.baseline, baseline, what);
  }
});

t.test('SEL event', async (t) => {
  t.same(selEvent({ ...sel(0x1a), detail: 'Reading 90 > Threshold 85 degrees C' }), {
    type: 'bmc.sel',
    severity: 'critical',
    message:
      'SEL 26: Temperature CPU Temp: Upper Critical going high asserted (Reading 90 > Threshold 85 degrees C)',
    data: {
      id: 26,
      time: 'Pre-Init',
      sensor: 'Temperature CPU Temp',
      event: 'Upper Critical going high',
      direction: 'asserted',
      detail: 'Reading 90 > Threshold 85 degrees C',
    },
  });
});
