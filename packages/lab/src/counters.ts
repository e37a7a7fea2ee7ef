/**
 * nftables counters on the home uplink (`h0`) egress: the proof that bound traffic never left the
 * home by the uplink outside the tunnel.
 */
import { LAB_ADDRESSES as A, LINKS, WG_SERVER_PORT } from './addresses.js';
import { run } from './run.js';

export interface UplinkCounterOptions {
  /**
   * Count only leaks: everything leaving `h0` except the WireGuard transport (UDP to
   * 203.0.113.2:51820) and IPv6 neighbour discovery / MLD / router solicitations (link-local
   * control traffic that is not anyone's payload). Default: false (count every packet).
   */
  excludeWireguard?: boolean;
  /**
   * Also leave out ICMP/ICMPv6 "destination unreachable" errors: the kernel's replies to packets
   * that arrived on the uplink for a port nothing listens on, never an application's own traffic
   * (e.g. a client behind the VPN that tries a cached peer at the home address). Default: false.
   */
  excludeIcmpErrors?: boolean;
}

export interface CounterValue {
  packets: number;
  bytes: number;
}

/** A counter on the home uplink's egress. */
export interface UplinkCounter {
  /** The nftables table holding it, in the home namespace. */
  readonly table: string;
  read(): Promise<CounterValue>;
  /** Sets the counter back to zero. */
  reset(): Promise<void>;
  /** Deletes the table (also happens when the lab is destroyed). Idempotent. */
  remove(): Promise<void>;
}

let sequence = 0;

export async function createUplinkCounter(
  homeNs: string,
  options: UplinkCounterOptions = {},
): Promise<UplinkCounter> {
  sequence += 1;
  const table = `snlab_uplink_${sequence}`;
  const exclude = options.excludeWireguard
    ? [
        `    oifname "${LINKS.homeUplink}" ip daddr ${A.vpnExit4} udp dport ${WG_SERVER_PORT} return`,
        `    oifname "${LINKS.homeUplink}" icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert, mld-listener-report, mld2-listener-report } return`,
      ]
    : [];
  if (options.excludeIcmpErrors) {
    exclude.push(
      `    oifname "${LINKS.homeUplink}" icmp type destination-unreachable return`,
      `    oifname "${LINKS.homeUplink}" icmpv6 type destination-unreachable return`,
    );
  }
  const ruleset = [
    `table inet ${table} {`,
    '  counter uplink { }',
    '  chain egress {',
    '    type filter hook postrouting priority 0; policy accept;',
    ...exclude,
    `    oifname "${LINKS.homeUplink}" counter name "uplink"`,
    '  }',
    '}',
    '',
  ].join('\n');
  await run('nft', ['-f', '-'], { netns: homeNs, input: ruleset });
  let removed = false;
  return {
    table,
    async read() {
      const { stdout } = await run('nft', ['-j', 'list', 'counter', 'inet', table, 'uplink'], {
        netns: homeNs,
      });
      const parsed = JSON.parse(stdout) as {
        nftables: Array<{ counter?: { packets: number; bytes: number } }>;
      };
      const counter = parsed.nftables.find((o) => o.counter)?.counter;
      return { packets: counter?.packets ?? 0, bytes: counter?.bytes ?? 0 };
    },
    async reset() {
      await run('nft', ['reset', 'counter', 'inet', table, 'uplink'], { netns: homeNs });
    },
    async remove() {
      if (removed) return;
      removed = true;
      await run('nft', ['delete', 'table', 'inet', table], { netns: homeNs, reject: false });
    },
  };
}
