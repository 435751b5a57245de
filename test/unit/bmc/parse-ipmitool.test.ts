import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  classifyIpmitoolError,
  parseFruPrint,
  parsePowerStatus,
  parseSdrElist,
  parseSelList,
  parseSensorList,
} from '../../../agent/drivers/bmc/parse-ipmitool.js';
import { ErrorCodes } from '../../../lib/errors.js';

/** Fixtures are ipmitool 1.8.19 output captured from OpenIPMI's ipmi_sim (test/harness/ipmi-sim.ts). */
const fx = (name: string) =>
  readFileSync(new URL(`../../fixtures/bmc/${name}`, import.meta.url), 'utf8');

t.test('sensor list: pipe and CSV formats give the same model', async (t) => {
  for (const file of [
    'ipmitool-sensor-list-critical.txt',
    'ipmitool-sensor-list-csv-critical.txt',
  ]) {
    const r = parseSensorList(fx(file));
    t.equal(r.length, 6, file);
    t.same(
      r[0],
      {
        ok: true,
        name: 'CPU Temp',
        type: 'temperature',
        unit: 'celsius',
        value: 90,
        status: 'critical',
        thresholds: { upperNonCritical: 75, upperCritical: 85, upperNonRecoverable: 95 },
      },
      file,
    );
    t.same(r[2], {
      ok: true,
      name: 'FAN1',
      type: 'fan',
      unit: 'rpm',
      value: 400,
      status: 'critical',
      thresholds: { lowerCritical: 500, lowerNonCritical: 1000 },
    });
    t.match(r[3], {
      name: 'P12V',
      type: 'voltage',
      unit: 'volts',
      value: 13.98,
      status: 'critical',
      thresholds: { lowerCritical: 10.8, upperCritical: 13.2 },
    });
    t.match(r[4], {
      name: 'PSU1 Current',
      type: 'current',
      unit: 'amps',
      value: 4.2,
      status: 'ok',
    });
    t.match(r[5], { name: 'PSU1 Power', type: 'power', unit: 'watts', value: 320, status: 'ok' });
  }
});

t.test('sensor list: statuses', async (t) => {
  const table: [string, string, string][] = [
    ['ipmitool-sensor-list-ok.txt', 'CPU Temp', 'ok'],
    ['ipmitool-sensor-list-csv-ok.txt', 'FAN1', 'ok'],
    ['ipmitool-sensor-list-nr.txt', 'CPU Temp', 'non-recoverable'],
    ['ipmitool-sensor-list-nr.txt', 'Inlet Temp', 'non-critical'],
    ['ipmitool-sensor-list-nr.txt', 'FAN1', 'critical'],
  ];
  for (const [file, name, status] of table) {
    const s = parseSensorList(fx(file)).find((x) => x.name === name);
    t.equal(s?.ok && s.status, status, `${file} ${name}`);
  }
});

t.test('sensor list: bad input is a read error, never a zero reading', async (t) => {
  const ok = fx('ipmitool-sensor-list-ok.txt');
  const firstLine = ok.split('\n')[0]!;
  const table: [string, string, RegExp][] = [
    ['truncated mid-line', firstLine.slice(0, 40), /truncated sensor line/],
    ['truncated CSV', 'CPU Temp,40.000,degrees C', /truncated/],
    ['non-numeric reading', firstLine.replace('40.000    ', 'abc       '), /no numeric reading/],
    [
      'na reading',
      'PSU2 Power       | na         | Watts      | na    | na        | na        | na        | na        | na        | na        ',
      /no numeric reading/,
    ],
    ['empty reading', 'X,,Volts,ok,na,na,na,na,na,na', /no numeric reading/],
    ['hex reading', 'X,0x1a,Volts,ok,na,na,na,na,na,na', /no numeric reading/],
    ['unknown status', 'X,1.0,Volts,weird,na,na,na,na,na,na', /unknown sensor status/],
    ['missing unit', 'X,1.0,,ok,na,na,na,na,na,na', /missing unit/],
    ['non-numeric threshold', 'X,1.0,Volts,ok,na,lots,na,na,na,na', /non-numeric threshold/],
    ['no name', ',1.0,Volts,ok,na,na,na,na,na,na', /without a name/],
  ];
  for (const [what, line, err] of table) {
    const r = parseSensorList(line);
    t.equal(r.length, 1, what);
    t.equal(r[0]!.ok, false, what);
    t.match(!r[0]!.ok && r[0]!.error, err, what);
    t.notOk('value' in r[0]!, `${what}: no value at all`);
  }
  t.same(parseSensorList(''), [], 'empty output: no sensors');
  // A reply cut in the middle: the complete lines parse, the cut one is an error.
  const cut = ok.slice(0, ok.indexOf('\n', 200) + 30);
  const r = parseSensorList(cut);
  t.ok(r.slice(0, -1).every((x) => x.ok));
  t.equal(r.at(-1)!.ok, false);
});

t.test('sensor list: discrete sensors are skipped; separators inside names', async (t) => {
  t.same(
    parseSensorList(
      'Watchdog         | 0x0        | discrete   | 0x0080| na        | na        | na        | na        | na        | na        ',
    ),
    [],
  );
  const r = parseSensorList('PSU 1, Input,230.000,Volts,ok,na,na,na,na,na,na');
  t.match(r[0], { ok: true, name: 'PSU 1, Input', value: 230 });
});

t.test('sdr elist', async (t) => {
  const r = parseSdrElist(fx('ipmitool-sdr-elist-critical.txt'));
  t.same(
    r.map((x) => (x.ok ? [x.name, x.value, x.unit, x.status] : [x.name, x.error])),
    [
      ['CPU Temp', 97, 'celsius', 'non-recoverable'],
      ['Inlet Temp', 42, 'celsius', 'non-critical'],
      ['FAN1', 400, 'rpm', 'critical'],
      ['P12V', 13.98, 'volts', 'critical'],
      ['PSU1 Current', 4.2, 'amps', 'ok'],
      ['PSU1 Power', 320, 'watts', 'ok'],
    ],
  );
  t.ok(parseSdrElist(fx('ipmitool-sdr-elist-ok.txt')).every((x) => x.ok && x.status === 'ok'));
  t.match(parseSdrElist('CPU Temp         | 01h | ns  |  3.1 | No Reading'), [
    { ok: false, error: /no numeric reading/ },
  ]);
  t.match(parseSdrElist('CPU Temp         | 01h | ok'), [{ ok: false, error: /truncated/ }]);
});

t.test('sel elist / list', async (t) => {
  const { entries, skipped } = parseSelList(fx('ipmitool-sel-elist.txt'));
  t.equal(skipped, 0);
  t.equal(entries.length, 12);
  t.match(entries[1], {
    id: 2,
    time: /^Pre-Init \d{10}$/,
    sensor: 'Temperature CPU Temp',
    event: 'Upper Critical going high',
    direction: 'asserted',
    detail: 'Reading 90 > Threshold 85 degrees C',
    severity: 'critical',
  });
  t.match(entries[0], { id: 1, severity: 'warning' });
  t.match(entries[5], { event: 'Upper Non-recoverable going high', severity: 'critical' });
  t.match(entries[4], {
    sensor: 'Fan FAN1',
    event: 'Lower Critical going low',
    severity: 'critical',
  });
  t.match(
    entries[9],
    { id: 10, direction: 'deasserted', severity: 'info' },
    'ids are hexadecimal ("a")',
  );
  const many = parseSelList(fx('ipmitool-sel-elist-many.txt')).entries;
  t.same(
    many.map((e) => e.id),
    [0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20],
  );
  const list = parseSelList(fx('ipmitool-sel-list.txt')).entries;
  t.equal(list.length, 12);
  t.match(list[0], { id: 1, sensor: 'Temperature #0x01', direction: 'asserted' });
  t.same(parseSelList(fx('ipmitool-sel-elist-empty.txt')), { entries: [], skipped: 0 });
  // A real clock prints date and time as two columns.
  t.match(
    parseSelList('  1f | 11/21/2026 | 08:10:00 | Fan FAN1 | Lower Critical going low | Asserted')
      .entries[0],
    {
      id: 31,
      time: '11/21/2026 08:10:00',
      sensor: 'Fan FAN1',
    },
  );
  t.same(parseSelList('SEL has no entries\ngarbage | x\n   1 | trunc').skipped, 3);
});

t.test('chassis power status', async (t) => {
  t.equal(parsePowerStatus(fx('ipmitool-chassis-power-on.txt')), 'on');
  t.equal(parsePowerStatus(fx('ipmitool-chassis-power-off.txt')), 'off');
  for (const bad of [
    '',
    'Chassis Power is',
    fx('ipmitool-chassis-power-off-cmd.txt'),
    'Chassis Power is unknown',
  ]) {
    t.throws(() => parsePowerStatus(bad), { code: ErrorCodes.PARSE }, JSON.stringify(bad));
  }
});

t.test('fru print', async (t) => {
  t.same(parseFruPrint(fx('ipmitool-fru-print.txt')), {
    vendor: 'Plinth Labs',
    model: 'PL-1U-Sim',
    serial: 'SIM0001',
  });
  t.same(
    parseFruPrint(
      ' Board Mfg             : Acme\n Board Product         : X1\n Board Serial          : B1\n',
    ),
    { vendor: 'Acme', model: 'X1', serial: 'B1' },
  );
  t.same(parseFruPrint(''), {});
});

t.test('failure classification from ipmitool -v stderr', async (t) => {
  t.equal(classifyIpmitoolError(fx('ipmitool-v-bad-password.stderr.txt')), 'auth');
  t.equal(classifyIpmitoolError(fx('ipmitool-v-bad-user.stderr.txt')), 'auth');
  t.equal(classifyIpmitoolError(fx('ipmitool-v-unreachable.stderr.txt')), 'unreachable');
  t.equal(classifyIpmitoolError('Invalid chassis power command: bogus'), 'other');
});
