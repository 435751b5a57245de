// Runs the plinth CLI from source (tsx), for tests that need real child processes.
import { main } from '../../coordinator/cli/main.js';

process.exitCode = await main(process.argv);
