import { ErrorCodes } from '../../lib/errors.js';
import type { JsonValue } from '../../lib/json.js';
import type { ApplyOutcome } from '../../lib/model.js';
import { isValidName } from '../../lib/names.js';
import { ASSIGNMENT_KIND, POLICIES, type Assignment, type Policy } from './types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FIELDS = new Set(['name', 'token', 'policy']);

export interface ParsedAssignments {
  assignments: Map<string, Assignment>;
  errors: ApplyOutcome[];
}

function invalid(id: string, message: string): ApplyOutcome {
  return { kind: ASSIGNMENT_KIND, id, ok: false, code: ErrorCodes.INVALID_ARGUMENT, message };
}

/**
 * Pure: validate `assignments` ({uuid: {name, token, policy}}). An invalid entry is
 * one error and is left out (its VM is then treated as having no assignment);
 * absent or null means no assignments.
 */
export function parseAssignments(raw: JsonValue | undefined): ParsedAssignments {
  const out: ParsedAssignments = { assignments: new Map(), errors: [] };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    out.errors.push(invalid('assignments', 'assignments must be an object keyed by VM uuid'));
    return out;
  }
  for (const [key, v] of Object.entries(raw)) {
    const uuid = key.toLowerCase();
    const id = UUID.test(uuid) ? uuid : JSON.stringify(key.slice(0, 80));
    if (!UUID.test(uuid)) {
      out.errors.push(invalid(id, `assignment key ${id} is not a VM uuid`));
      continue;
    }
    if (out.assignments.has(uuid)) {
      out.errors.push(invalid(id, `VM ${uuid} is assigned twice (keys differ only in case)`));
      out.assignments.delete(uuid);
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      out.errors.push(invalid(id, `assignment of ${uuid} must be an object {name, token, policy}`));
      continue;
    }
    const unknown = Object.keys(v).filter((k) => !FIELDS.has(k));
    if (unknown.length > 0) {
      out.errors.push(invalid(id, `assignment of ${uuid}: unknown field(s) ${unknown.join(', ')}`));
      continue;
    }
    const { name, token, policy = 'keep' } = v;
    if (!isValidName('objectName', name)) {
      out.errors.push(invalid(id, `assignment of ${uuid}: invalid name ${JSON.stringify(name)}`));
      continue;
    }
    if (typeof token !== 'number' || !Number.isSafeInteger(token) || token < 0) {
      out.errors.push(
        invalid(
          id,
          `assignment of ${uuid}: token must be a non-negative integer, got ${JSON.stringify(token)}`,
        ),
      );
      continue;
    }
    if (typeof policy !== 'string' || !(POLICIES as readonly string[]).includes(policy)) {
      out.errors.push(
        invalid(
          id,
          `assignment of ${uuid}: policy must be one of ${POLICIES.join(', ')}, got ${JSON.stringify(policy)}`,
        ),
      );
      continue;
    }
    out.assignments.set(uuid, { uuid, name, token, policy: policy as Policy });
  }
  return out;
}
