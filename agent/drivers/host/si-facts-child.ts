/**
 * Entry point of the short-lived child that gathers the systeminformation part of
 * the host inventory (see si-facts-exec.ts). Run as `node si-facts-child.js MS`:
 * prints one JSON line (SiFacts) on stdout and exits.
 *
 * Why a child: systeminformation loads dozens of modules that would stay in the
 * agent's heap for good, and some of its calls use execSync, which would block the
 * agent's event loop (up to ~45 ms measured). Here both cost nothing once it exits.
 */
import si from 'systeminformation';
import { collectSiFacts } from './inventory.js';
import { parseCallTimeout } from './si-facts-exec.js';

const callTimeoutMs = parseCallTimeout(process.argv[2]);
const facts = await collectSiFacts(si, callTimeoutMs);
// Exit explicitly: a call abandoned past its deadline may still hold a timer or a
// grandchild's pipe open, and the parent waits for this process to end.
process.stdout.write(JSON.stringify(facts) + '\n', () => process.exit(0));
