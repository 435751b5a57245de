#!/usr/bin/env node
// The one `plinth` executable: daemons (agent, coordinator, up) and operator commands.
// It runs the compiled tree (npm run build); see README.md.
import { main } from '../dist/coordinator/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`plinth: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
