#!/usr/bin/env node
// Builds the native helper (build/Release/splitnet_native.node) during `pnpm install`.
//
// Runs node-gyp with an explicit `--nodedir` so that the build works offline: Node's headers
// ship under `<node prefix>/include/node`, and pnpm 12 does not forward npm's `nodedir` setting
// (without it node-gyp tries to download headers from nodejs.org).
//
// Usage: node scripts/build-native.mjs [--force]
//   SPLITNET_SKIP_NATIVE_BUILD=1   skip the build (bound sockets then report how to build it)
//   SPLITNET_NATIVE_REQUIRED=1     fail the install when the build fails (CI); default: warn
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'build', 'Release', 'splitnet_native.node');
const sources = [join(root, 'binding.gyp'), join(root, 'native', 'bound_socket.cc')];
const force = process.argv.includes('--force');
const log = (message) => console.log(`[splitnet] native: ${message}`);

function fail(message) {
  const text = `[splitnet] native: ${message}
  Bound sockets will throw SPLITNET_ERR_NATIVE_UNAVAILABLE until the helper is built.
  Fix: install a C++ toolchain (apt-get install g++ make python3) and run
       pnpm --filter @splitnet/core run build:native`;
  if (process.env.SPLITNET_NATIVE_REQUIRED === '1') {
    console.error(text);
    process.exit(1);
  }
  console.warn(text);
  process.exit(0);
}

if (process.env.SPLITNET_SKIP_NATIVE_BUILD === '1') {
  log('skipped (SPLITNET_SKIP_NATIVE_BUILD=1)');
  process.exit(0);
}
if (process.platform !== 'linux') {
  log(`skipped: bound sockets are Linux-only (this is ${process.platform})`);
  process.exit(0);
}

if (!force && existsSync(output)) {
  const built = statSync(output).mtimeMs;
  if (sources.every((file) => statSync(file).mtimeMs <= built)) {
    log(`up to date (${output})`);
    process.exit(0);
  }
}

/** The node-gyp to run: our pinned devDependency, npm's `npm_config_node_gyp`, or npm's own. */
function findNodeGyp() {
  try {
    return createRequire(join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
  } catch {}
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const bundled = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  return existsSync(bundled) ? bundled : undefined;
}

/** A directory holding `include/node/node_api.h` for the running Node, or undefined. */
function findNodeDir() {
  const hasHeaders = (dir) => dir && existsSync(join(dir, 'include', 'node', 'node_api.h'));
  const candidates = [
    process.env.SPLITNET_NODEDIR,
    process.env.npm_config_nodedir,
    resolve(dirname(process.execPath), '..'),
  ];
  return candidates.find(hasHeaders);
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) fail('node-gyp was not found (neither the devDependency nor npm’s bundled copy).');
const nodeDir = findNodeDir();
const args = [nodeGyp, 'rebuild'];
if (nodeDir) args.push(`--nodedir=${nodeDir}`);
else log('no local Node headers found; node-gyp will try to download them');
log(`building with ${nodeDir ? `--nodedir=${nodeDir}` : 'downloaded headers'}`);
const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
if (result.status !== 0 || !existsSync(output)) {
  fail(`the build failed (node-gyp exit code ${result.status ?? result.signal}).`);
}
log(`built ${output}`);
