import { isIPv4, isIPv6 } from 'node:net';

/**
 * True for a host name or address that only this machine can reach: `localhost`, an IPv4
 * address in 127.0.0.0/8, `::1`, or an IPv4-mapped 127.x address; brackets around an IPv6
 * address are ignored. Anything else, `0.0.0.0` and `::` included, is reachable from elsewhere
 * (other names may resolve anywhere).
 */
export function isLoopbackHost(host: string): boolean {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[') && name.endsWith(']')) name = name.slice(1, -1);
  if (name === 'localhost') return true;
  if (isIPv4(name)) return name.startsWith('127.');
  if (!isIPv6(name)) return false;
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^(?:0:0:0:0:0|:):ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(name)?.[1];
  return mapped !== undefined && isIPv4(mapped) && mapped.startsWith('127.');
}
