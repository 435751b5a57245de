import type { Driver, ParsedDesired } from '../../agent/drivers/driver.js';
import type { JsonValue } from '../../lib/json.js';

/**
 * A driver with in-memory "widgets", for testing the spine's plumbing (stream,
 * generations, commands, offline enforcement) — never a stand-in for a real
 * driver's integration test.
 */
export function fakeDriver(initial: string[] = []) {
  const state = { widgets: [...initial], applies: 0, healthy: true };
  const driver: Driver<string[]> = {
    name: 'fake',
    desiredKey: 'widgets',
    async health() {
      return state.healthy
        ? { status: 'healthy' }
        : { status: 'unhealthy', code: 'PLINTH_E_UNAVAILABLE', message: 'fake daemon down' };
    },
    async observe() {
      return {
        objects: state.widgets.map((w) => ({ kind: 'fake.widget', id: w, data: { name: w } })),
      };
    },
    parseDesired(raw: JsonValue | undefined): ParsedDesired<string[]> {
      const list = Array.isArray(raw) ? raw : [];
      const ok = list.filter((x): x is string => typeof x === 'string' && /^[a-z0-9-]+$/.test(x));
      const errors = list
        .filter((x) => !(typeof x === 'string' && /^[a-z0-9-]+$/.test(x)))
        .map((x) => ({
          kind: 'fake.widget',
          id: JSON.stringify(x),
          ok: false,
          code: 'PLINTH_E_INVALID_ARGUMENT' as const,
          message: 'invalid widget name',
        }));
      return { desired: ok, errors };
    },
    async apply(desired) {
      state.applies++;
      const results = desired.map((w) => ({
        kind: 'fake.widget',
        id: w,
        ok: true,
        action: state.widgets.includes(w) ? 'noop' : 'create',
      }));
      state.widgets = [...desired];
      return results;
    },
    async command(kind, args) {
      if (kind === 'fake.echo') return { echoed: args };
      throw new Error(`unknown fake command ${kind}`);
    },
  };
  return { driver, state };
}
