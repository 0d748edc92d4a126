import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

// Workspace packages are TypeScript sources: bundle them. Every other dependency stays
// external and is resolved from node_modules at run time.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const external = Object.keys(pkg.dependencies)
  .filter((name) => !name.startsWith('@sessionboard/'))
  .flatMap((name) => [name, `${name}/*`]);

await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  outfile: new URL('./dist/main.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  sourcemap: true,
  logLevel: 'info',
});
