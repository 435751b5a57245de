// The plinth executable run from TypeScript source (node --import tsx lab/plinth-source.ts),
// for labs started with runtime "source": CI and tests run what they type-check, with no
// build step; bin/plinth.js runs the compiled tree.
import { main } from '../coordinator/cli/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`plinth: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
