/** Which IP families an interface has addresses for (cached briefly: it is on the connect path). */
import os from 'node:os';
import { FamilyUnavailableError } from '../errors.js';
import type { IpFamily } from '../native/binding.js';

const CACHE_MS = 1000;
const cache = new Map<string, { at: number; families: Set<IpFamily> }>();

/** Families with at least one address on `ifname`, or `undefined` when the host lists none. */
export function interfaceFamilies(ifname: string, fresh = false): Set<IpFamily> | undefined {
  const now = Date.now();
  const hit = cache.get(ifname);
  if (!fresh && hit && now - hit.at < CACHE_MS) return hit.families.size ? hit.families : undefined;
  const families = new Set<IpFamily>();
  for (const address of os.networkInterfaces()[ifname] ?? []) {
    families.add(address.family === 'IPv6' ? 6 : 4);
  }
  cache.set(ifname, { at: now, families });
  return families.size ? families : undefined;
}

const UNREACHABLE = new Set(['ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTUNREACH']);

/**
 * Turns "no route / no source address" on a family the interface has no address for into
 * {@link FamilyUnavailableError}; other errors pass through.
 */
export function diagnoseFamily(error: unknown, ifname: string, family: IpFamily): unknown {
  const code = (error as { code?: string } | undefined)?.code;
  if (!code || !UNREACHABLE.has(code)) return error;
  const families = interfaceFamilies(ifname, true);
  if (families && !families.has(family)) {
    return new FamilyUnavailableError(
      ifname,
      family,
      `${ifname} has no IPv${family} address: cannot reach an IPv${family} destination through it (${code}). Add an IPv${family} Address to the tunnel, or connect with family: ${family === 6 ? 4 : 6}.`,
      { cause: error },
    );
  }
  return error;
}
