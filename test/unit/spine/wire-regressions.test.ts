/**
 * Bug in coordinator/api/wire.ts parseJsonField, found by the spine unit tests. Not
 * run by the test runner: `npx tap test/unit/spine/wire.bug.ts` fails until fixed.
 *
 * The limit is MAX_OBJECT_JSON_BYTES and the error says "bytes", but the check is
 * `text.length`, which counts UTF-16 code units, not bytes. A JSON text of
 * non-ASCII characters can be up to 3x the limit in UTF-8 bytes (what was on the
 * wire and what is stored in SQLite) and still pass; the reported size is wrong too.
 */
import t from 'tap';
import { objectFromWire } from '../../../coordinator/api/wire.js';
import { ErrorCodes } from '../../../lib/errors.js';
import { MAX_OBJECT_JSON_BYTES } from '../../../lib/proto.js';
import { caught } from './helpers.js';

t.test('an object whose JSON is over the limit in UTF-8 bytes is refused', async (t) => {
  const dataJson = `{"a":"${'€'.repeat(100_000)}"}`; // 100,008 characters, 300,008 bytes
  t.ok(Buffer.byteLength(dataJson) > MAX_OBJECT_JSON_BYTES, 'over the limit in bytes');
  const e = caught(t, () =>
    objectFromWire({ kind: 'host.link', id: 'eth0', dataJson, deleted: false }),
  );
  t.equal(e.code, ErrorCodes.INVALID_ARGUMENT);
  t.equal(
    e.message,
    `data of host.link eth0 is 300008 bytes, over the ${MAX_OBJECT_JSON_BYTES}-byte limit`,
  );
});
