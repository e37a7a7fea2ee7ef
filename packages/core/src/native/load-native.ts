/**
 * The ONE place that loads the native helper (`build/Release/splitnet_native.node`). Loading is
 * lazy: importing `@splitnet/core` never touches the addon; the first bound socket does. A missing
 * or broken build throws {@link NativeUnavailableError} naming the fix.
 *
 * Nothing but `binding.ts` imports this file.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeUnavailableError } from '../errors.js';

/** The raw addon, exactly as `native/bound_socket.cc` exports it. Validate before calling. */
export interface NativeBinding {
  /** `socket(SOCK_NONBLOCK|SOCK_CLOEXEC)` + `SO_BINDTODEVICE`; returns the fd. */
  openSocket(family: 4 | 6, type: 'tcp' | 'udp', ifname: string): number;
  /** Optional `SO_REUSEADDR` / `IPV6_V6ONLY`, then `bind()`. */
  bindAddress(
    fd: number,
    family: 4 | 6,
    address: string,
    port: number,
    reuseAddr: boolean,
    v6Only: boolean,
  ): void;
  /** `getsockopt(SO_BINDTODEVICE)`: the device name, or `''` when unbound. */
  getBoundDevice(fd: number): string;
  /** `ioctl(SIOCGIFFLAGS)` for `ifname`, in the namespace of `fd`. */
  getInterfaceFlags(fd: number, ifname: string): number;
  /** `close()`, for fds never handed to Node. */
  closeFd(fd: number): void;
}

const FIX = 'run `pnpm --filter @splitnet/core run build:native` (needs g++, make and python3)';

let cached: NativeBinding | undefined;
let override: NativeBinding | undefined;

/** The package root: the first directory above this module holding `binding.gyp`. */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

/** Loads the addon once. Throws {@link NativeUnavailableError} when it cannot. */
export function loadNative(): NativeBinding {
  if (override) return override;
  if (cached) return cached;
  if (process.platform !== 'linux') {
    throw new NativeUnavailableError(
      `bound sockets need Linux (SO_BINDTODEVICE); this is ${process.platform}`,
    );
  }
  const root = packageRoot();
  if (!root) {
    throw new NativeUnavailableError(
      `cannot find the @splitnet/core package root (binding.gyp) above ${import.meta.url}`,
    );
  }
  const require = createRequire(join(root, 'package.json'));
  let addon: NativeBinding;
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    addon = nodeGypBuild(root) as NativeBinding;
  } catch (error) {
    throw new NativeUnavailableError(
      `the native helper is not built or does not load (${(error as Error).message.split('\n')[0]}): ${FIX}`,
      { cause: error },
    );
  }
  if (typeof addon?.openSocket !== 'function' || typeof addon.getBoundDevice !== 'function') {
    throw new NativeUnavailableError(`the native helper in ${root} is incomplete: ${FIX}`);
  }
  cached = addon;
  return addon;
}

/**
 * Replaces the addon (tests only: pass a fake from `fake-binding.ts`), or restores the real one
 * with `undefined`.
 */
export function setNativeBinding(binding: NativeBinding | undefined): void {
  override = binding;
}
