/**
 * The lab's fixed address plan. Everything comes from the documentation ranges (RFC 5737,
 * RFC 3849) except the tunnel-internal IPv4 addresses (10.66.0.0/24). The tunnel's IPv6 range is
 * 2001:db8:66::/64, also documentation space.
 */

/** Addresses of a lab. The IPv6 ones are configured only when the lab was created with `ipv6`. */
export interface LabAddresses {
  /** Home uplink (`h0` in the home namespace). */
  home4: string;
  home6: string;
  /** The internet router's side of the home link: home's default gateway. */
  homeGateway4: string;
  homeGateway6: string;
  /** VPN provider uplink (`v0`), the address bound traffic leaves the VPN with (masquerade). */
  vpnExit4: string;
  vpnExit6: string;
  /** The internet router's side of the VPN link. */
  vpnGateway4: string;
  vpnGateway6: string;
  /** The IP-echo HTTP server (ports 80 and 8080) in the internet namespace. */
  echo4: string;
  echo6: string;
  /** The "public" DNS server (dnsmasq) in the internet namespace. */
  dns4: string;
  dns6: string;
  /** Tunnel addresses: home client (`Address =`) and VPN server (also the tunnel's `DNS =`). */
  tunnelHome4: string;
  tunnelHome6: string;
  tunnelServer4: string;
  tunnelServer6: string;
  /** The WireGuard server endpoint, `203.0.113.2:51820`. */
  endpoint: string;
}

/** UDP port of the lab's WireGuard server. */
export const WG_SERVER_PORT = 51820;

/** Policy routing table the lab suggests for the home interface (`ip rule add oif … table`). */
export const HOME_ROUTING_TABLE = 51820;

/** The one address plan every lab uses (namespaces isolate labs from each other). */
export const LAB_ADDRESSES: Readonly<LabAddresses> = Object.freeze({
  home4: '192.0.2.2',
  home6: '2001:db8:2::2',
  homeGateway4: '192.0.2.1',
  homeGateway6: '2001:db8:2::1',
  vpnExit4: '203.0.113.2',
  vpnExit6: '2001:db8:3::2',
  vpnGateway4: '203.0.113.1',
  vpnGateway6: '2001:db8:3::1',
  echo4: '198.51.100.1',
  echo6: '2001:db8:100::1',
  dns4: '198.51.100.53',
  dns6: '2001:db8:100::53',
  tunnelHome4: '10.66.0.2',
  tunnelHome6: '2001:db8:66::2',
  tunnelServer4: '10.66.0.1',
  tunnelServer6: '2001:db8:66::1',
  endpoint: `203.0.113.2:${WG_SERVER_PORT}`,
});

/** Interface names inside the namespaces (no collision risk: each lab has its own namespaces). */
export const LINKS = {
  homeUplink: 'h0',
  internetHome: 'i-home',
  internetVpn: 'i-vpn',
  /** The servers' addresses sit on the internet namespace's loopback. */
  internetServers: 'lo',
  vpnUplink: 'v0',
} as const;
