/**
 * Host lists in rule options (`allowed_clients`, `domain_controllers`,
 * `allowed_responders`, `allowed_servers`, `allowed_relays`, `allowed_senders`, `allowed_proxies`): each entry a CIDR, a bare address or the name of a
 * configured network. Whether a name is configured is checked with the
 * other cross-references (config/load.ts), which reads HOST_LIST_OPTIONS.
 */
import { z } from 'zod';
import { parseCidr } from '../config/cidr.js';

/** Shape of a network name in the site config (schema.ts). */
const NETWORK_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** A host list entry: a CIDR, a bare address or the name of a configured network. */
export const hostEntryField = z.string().superRefine((text, ctx) => {
  const c = parseCidr(text);
  if (typeof c !== 'string' || looksLikeNetworkName(text)) return;
  // An address-like entry gets the CIDR parser's reason ("has host bits set (did you mean ...)").
  const message = text.includes('/') || text.includes(':') ? c : 'is neither a CIDR nor a network name';
  ctx.addIssue({ code: 'custom', message, input: text });
});

/** True when `text` has the shape of a network name (whether one is configured is another matter). */
export function looksLikeNetworkName(text: string): boolean {
  return NETWORK_NAME.test(text);
}

/** Option keys of the rules that hold host lists (for the cross-reference check). */
export const HOST_LIST_OPTIONS: readonly string[] = ['allowed_clients', 'domain_controllers', 'allowed_responders', 'allowed_servers', 'allowed_relays', 'allowed_senders', 'allowed_proxies'];
