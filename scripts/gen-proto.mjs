// Regenerates proto/gen/ from proto/plinth/v1/*.proto with proto-loader-gen-types.
// The options here must match the loadSync options in lib/proto.ts.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';

const files = readdirSync('proto/plinth/v1')
  .filter((f) => f.endsWith('.proto'))
  .map((f) => `plinth/v1/${f}`);
rmSync('proto/gen', { recursive: true, force: true });
execFileSync(
  'node_modules/.bin/proto-loader-gen-types',
  [
    '--grpcLib=@grpc/grpc-js',
    '--outDir=proto/gen',
    '--includeDirs=proto',
    '--longs=Number',
    '--enums=String',
    '--defaults',
    '--oneofs',
    '--keepCase=false',
    '--importFileExtension=.js',
    '--inputTemplate=%s__Input',
    '--outputTemplate=%s',
    ...files,
  ],
  { stdio: 'inherit' },
);
