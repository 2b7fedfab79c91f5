/**
 * Lets a child `node` process run the TypeScript sources directly (node -r ./test/support/ts-register.js src/main.ts),
 * compiled on load with the same SWC settings as Jest. Tests that need a real server process
 * (crash, shutdown, two processes) use it instead of a build step.
 */
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
