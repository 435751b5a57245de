import { ErrorCodes, PlinthError } from './errors.js';

/**
 * A small declarative schema for config files. Every error names the key, what was
 * wrong and the fix, and unknown keys are errors (with a "did you mean"), because a
 * typo in a daemon's config that is silently ignored is an outage later.
 */
export type FieldSpec =
  | {
      type: 'string';
      doc: string;
      default?: string;
      enum?: readonly string[];
      pattern?: RegExp;
      optional?: boolean;
    }
  | {
      type: 'number';
      doc: string;
      default?: number;
      min?: number;
      max?: number;
      integer?: boolean;
      optional?: boolean;
    }
  | { type: 'boolean'; doc: string; default?: boolean; optional?: boolean }
  | { type: 'string[]'; doc: string; default?: string[]; optional?: boolean }
  | { type: 'map'; doc: string; default?: Record<string, string>; optional?: boolean }
  | { type: 'object'; doc: string; fields: Schema; optional?: boolean };

export type Schema = Readonly<Record<string, FieldSpec>>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number' && !Number.isFinite(v)) return `the number ${String(v)}`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 40))}`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
  return d[a.length]![b.length]!;
}

function suggest(key: string, known: string[]): string {
  const best = known
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 3 ? ` Did you mean "${best.k}"?` : ` Known keys: ${known.join(', ')}.`;
}

function validateInto(
  schema: Schema,
  raw: unknown,
  path: string,
  errors: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    errors.push(
      `config key ${path ? path.replace(/\.$/, '') : '(top level)'}: expected a table/object, got ${describe(raw)}.`,
    );
    return out;
  }
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!Object.hasOwn(schema, key)) {
      errors.push(
        `config key ${path}${key}: unknown key.${suggest(key, Object.keys(schema))} Remove it or fix its spelling.`,
      );
    }
  }
  for (const [key, spec] of Object.entries(schema)) {
    const full = `${path}${key}`;
    const v = obj[key];
    if (v === undefined) {
      if (spec.type === 'object') {
        if (!spec.optional) out[key] = validateInto(spec.fields, {}, `${full}.`, errors);
      } else if ('default' in spec && spec.default !== undefined)
        out[key] = structuredClone(spec.default);
      else if (!spec.optional) errors.push(`config key ${full}: required (${spec.doc}). Add it.`);
      continue;
    }
    switch (spec.type) {
      case 'string':
        if (typeof v !== 'string')
          errors.push(`config key ${full}: expected a string, got ${describe(v)}. ${spec.doc}.`);
        else if (spec.enum && !spec.enum.includes(v))
          errors.push(
            `config key ${full}: ${JSON.stringify(v)} is not one of ${spec.enum.join(', ')}.`,
          );
        else if (spec.pattern && !spec.pattern.test(v))
          errors.push(
            `config key ${full}: ${JSON.stringify(v)} does not match ${spec.pattern.source}. ${spec.doc}.`,
          );
        else out[key] = v;
        break;
      case 'number':
        if (typeof v !== 'number' || !Number.isFinite(v))
          errors.push(`config key ${full}: expected a number, got ${describe(v)}. ${spec.doc}.`);
        else if (spec.integer && !Number.isInteger(v))
          errors.push(`config key ${full}: expected a whole number, got ${v}.`);
        else if (spec.min !== undefined && v < spec.min)
          errors.push(`config key ${full}: ${v} is below the minimum ${spec.min}.`);
        else if (spec.max !== undefined && v > spec.max)
          errors.push(`config key ${full}: ${v} is above the maximum ${spec.max}.`);
        else out[key] = v;
        break;
      case 'boolean':
        if (typeof v !== 'boolean')
          errors.push(`config key ${full}: expected true or false, got ${describe(v)}.`);
        else out[key] = v;
        break;
      case 'string[]':
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
          errors.push(`config key ${full}: expected a list of strings, got ${describe(v)}.`);
        else out[key] = [...v];
        break;
      case 'map':
        if (
          typeof v !== 'object' ||
          v === null ||
          Array.isArray(v) ||
          Object.values(v).some((x) => typeof x !== 'string')
        )
          errors.push(`config key ${full}: expected a table of string values, got ${describe(v)}.`);
        else out[key] = { ...(v as Record<string, string>) };
        break;
      case 'object':
        out[key] = validateInto(spec.fields, v, `${full}.`, errors);
        break;
    }
  }
  return out;
}

/** Validate `raw` against `schema`, filling defaults. Throws one PlinthError listing every problem. */
export function validateConfig<T>(schema: Schema, raw: unknown, source = 'config'): T {
  const errors: string[] = [];
  const out = validateInto(schema, raw, '', errors);
  if (errors.length > 0) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `${source} is invalid:\n  - ${errors.join('\n  - ')}`,
      { errors },
    );
  }
  return out as T;
}

/** Render a schema as documentation (for `--help` and the README). */
export function describeSchema(schema: Schema, prefix = ''): string[] {
  const lines: string[] = [];
  for (const [key, spec] of Object.entries(schema)) {
    if (spec.type === 'object') lines.push(...describeSchema(spec.fields, `${prefix}${key}.`));
    else {
      const def =
        'default' in spec && spec.default !== undefined
          ? ` (default ${JSON.stringify(spec.default)})`
          : '';
      lines.push(`${prefix}${key}: ${spec.type}${def} — ${spec.doc}`);
    }
  }
  return lines;
}
