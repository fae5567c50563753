/**
 * Authentication restrictions, as mongod applies them: a user (or a role it holds) may list documents
 * `{clientSource: [CIDR...], serverAddress: [CIDR...]}`; authentication succeeds only from a client address, and to a
 * server address, that one of the documents allows. A user's own list and every role's list must each be met.
 */
import net from 'node:net';
import type { Document } from '../bson/types.js';
import { mongoError } from '../errors/index.js';
import { remoteHost } from './access_control.js';

interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `127.0.0.1` (a /32), `::1/128`: throws BadValue for anything else. */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = net.isIP(address);
  if (version === 0) throw mongoError('BadValue', `Invalid CIDR range: '${text}'`);
  const max = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= max)) throw mongoError('BadValue', `Invalid CIDR range: '${text}'`);
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Checks the addresses of a restriction document as createUser/createRole must. */
export function validateRestrictionAddresses(addresses: readonly string[]): void {
  for (const address of addresses) parseCidr(address);
}

function inRanges(ranges: unknown, endpoint: string): boolean {
  if (!Array.isArray(ranges)) return true;
  const host = remoteHost(endpoint);
  const version = net.isIP(host);
  if (version === 0) return false;
  const list = new net.BlockList();
  for (const range of ranges) {
    if (typeof range !== 'string') continue;
    try {
      const cidr = parseCidr(range);
      list.addSubnet(cidr.address, cidr.prefix, cidr.family);
    } catch {
      // A stored range that does not parse allows nothing.
    }
  }
  return list.check(host, version === 4 ? 'ipv4' : 'ipv6');
}

/** True when the list is empty or one of its documents allows both addresses. */
export function restrictionsMet(documents: readonly Document[] | undefined, client: string, server: string): boolean {
  if (!documents || documents.length === 0) return true;
  return documents.some((doc) => inRanges(doc.clientSource, client) && inRanges(doc.serverAddress, server));
}
