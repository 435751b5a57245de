import t from 'tap';
import { validateConfig } from '../../../lib/config-schema.js';
import {
  DEFAULT_EVACUATION,
  evacuationSchema,
  type EvacuationConfig,
} from '../../../coordinator/evacuation/config.js';

const parse = (raw: unknown) =>
  validateConfig<{ evacuation: EvacuationConfig }>({ evacuation: evacuationSchema }, raw, 'test');

t.test('an empty section gives the documented defaults', async (t) => {
  t.same(parse({}).evacuation, DEFAULT_EVACUATION);
});

t.test('values are checked, with the key named', async (t) => {
  t.same(
    parse({ evacuation: { brake: { threshold: 0.5 }, rate: { perMinute: 5 } } }).evacuation.brake
      .threshold,
    0.5,
  );
  t.throws(() => parse({ evacuation: { brake: { threshold: 1.5 } } }), /brake\.threshold/);
  t.throws(() => parse({ evacuation: { rate: { perMinute: 0 } } }), /perMinute/);
  t.throws(() => parse({ evacuation: { brake: { treshold: 0.2 } } }), /Did you mean "threshold"/);
});
