/** How the CLI talks to people: plain lines, or JSON with `--json`; errors with their code. */
import { isSplitnetError } from '@splitnet/core';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

export const defaultIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
};

/**
 * Exit codes: 0 ok, 1 error, 2 usage or configuration-file error (nothing was changed), 3 drift
 * (status: something differs from the file or the record), 4 stale handshake (status).
 */
export const EXIT = { ok: 0, error: 1, usage: 2, drift: 3, stale: 4 } as const;

export function describeError(error: unknown): { code: string; message: string } {
  if (isSplitnetError(error)) return { code: error.code, message: error.message };
  return {
    code: 'SPLITNET_ERR_UNEXPECTED',
    message: error instanceof Error ? error.message : String(error),
  };
}

export const describeBinding = (b: { interfaceName: string; address: string }) =>
  b.interfaceName === '' && b.address === ''
    ? 'any interface'
    : `${b.interfaceName || 'any interface'}${b.address ? ` address ${b.address}` : ''}`;
