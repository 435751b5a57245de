import { ErrorCodes, PlinthError } from '../../../../lib/errors.js';
import type { JsonObject } from '../../../../lib/json.js';

/**
 * RFC 7047 puts JSON-RPC messages back to back on a stream with no delimiter
 * (ovsdb-server happens to add none; other peers may add newlines). So messages are
 * split at the close of each top-level JSON object, tracking strings and escapes.
 * Anything that is not a sequence of objects is malformed: the caller drops the
 * connection rather than guessing where the next message starts.
 */
export class JsonObjectStream {
  private buf = '';
  private pos = 0;
  /** Open brackets in the current message, so `[}` is caught at once, not waited on. */
  private open: number[] = [];
  private inString = false;
  private escaped = false;
  private start = -1;

  constructor(private readonly maxMessageBytes = 64 * 1024 * 1024) {}

  /** Feed a chunk; returns every complete object. Throws PlinthError(PARSE) on malformed input. */
  push(chunk: string): JsonObject[] {
    this.buf += chunk;
    const out: JsonObject[] = [];
    for (; this.pos < this.buf.length; this.pos++) {
      const c = this.buf.charCodeAt(this.pos);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c /* \ */) this.escaped = true;
        else if (c === 0x22 /* " */) this.inString = false;
        continue;
      }
      if (this.open.length === 0) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (c !== 0x7b /* { */) {
          throw new PlinthError(
            ErrorCodes.PARSE,
            `OVSDB stream: expected '{' at the start of a message, got ${JSON.stringify(this.buf[this.pos])}`,
          );
        }
        this.start = this.pos;
        this.open = [0x7d];
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) {
        this.open.push(c === 0x7b ? 0x7d : 0x5d);
      } else if (c === 0x7d || c === 0x5d) {
        if (this.open.pop() !== c) {
          throw new PlinthError(ErrorCodes.PARSE, 'OVSDB stream: mismatched bracket');
        }
        if (this.open.length === 0) out.push(this.parse(this.buf.slice(this.start, this.pos + 1)));
      }
    }
    this.compact();
    if (this.buf.length > this.maxMessageBytes) {
      throw new PlinthError(
        ErrorCodes.PARSE,
        `OVSDB stream: message larger than ${this.maxMessageBytes} bytes`,
      );
    }
    return out;
  }

  private parse(text: string): JsonObject {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new PlinthError(
        ErrorCodes.PARSE,
        `OVSDB stream: invalid JSON: ${(e as Error).message}`,
      );
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new PlinthError(ErrorCodes.PARSE, 'OVSDB stream: message is not a JSON object');
    }
    return v as JsonObject;
  }

  /** Drop consumed text so a long-lived connection does not grow its buffer. */
  private compact(): void {
    if (this.open.length === 0) {
      this.buf = '';
      this.pos = 0;
      this.start = -1;
    } else if (this.start > 0) {
      this.buf = this.buf.slice(this.start);
      this.pos -= this.start;
      this.start = 0;
    }
  }
}
