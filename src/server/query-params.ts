/**
 * Reading query-string parameters in routes: one value (empty counts as
 * absent), a time, a bounded whole number, an IP address, a boolean, a sort
 * order. A bad value is a 400 naming the parameter. Shared by the admin
 * API's query routes and the console's routes. Addresses come back in the spelling the
 * store writes (src/store/address-text.ts), since rows match on that text.
 */
import { storedAddressText } from '../store/address-text.js';
import { canonicalMac } from './oui.js';
import { ApiError, badRequest } from './api-error.js';
import { parseTime } from '../store/time.js';
import type { Sort } from '../store/types.js';
import { parseSort } from '../store/sort-text.js';

export type Query = Record<string, string | undefined>;

export function one(q: Query, name: string): string | undefined {
  const v = q[name];
  return v === undefined || v === '' ? undefined : v;
}

export function time(q: Query, name: string): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const t = parseTime(v);
  if (t === null) throw badRequest(`${name}: "${v}" is not a time (ISO 8601 date or time, or epoch seconds)`);
  return t;
}

export function int(q: Query, name: string, min: number, max: number): number | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) throw badRequest(`${name}: "${v}" is not a whole number from ${min} to ${max}`);
  return n;
}

export function ip(q: Query, name: string): string | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const a = storedAddressText(v);
  if (a === null) throw badRequest(`${name}: "${v}" is not an IP address`);
  return a;
}

/** A MAC address in any common spelling (aa:bb:.., AA-BB-.., aabb.ccdd.eeff), as the store keeps it (lower case, colons). */
export function mac(q: Query, name: string): string | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  const m = canonicalMac(v.trim());
  if (m === null) throw badRequest(`${name}: "${v}" is not a MAC address`);
  return m;
}

/** An address in a route's path (`/hosts/:ip`), in the store's spelling; 400 when it is not one. */
export function pathIp(text: string): string {
  const a = storedAddressText(text);
  if (a === null) throw badRequest(`"${text}" is not an IP address`);
  return a;
}

export function bool(q: Query, name: string): boolean | undefined {
  const v = one(q, name);
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest(`${name}: "${v}" is not true or false`);
}

/**
 * A list's order: `field` ascending or `-field` descending, the field one of
 * `fields` (the store's allowlist for that list). Anything else is a 400 whose
 * message and `allowed` detail name the fields, so a client can correct itself.
 */
export function sortParam<F extends string>(q: Query, name: string, fields: readonly F[]): Sort<F> | undefined {
  const given = one(q, name);
  if (given === undefined) return undefined;
  // A repeated parameter arrives as a list: refused below like any other text that is not one field.
  const v = String(given);
  const sort = parseSort(v, fields);
  if (sort === null) {
    const message = `${name}: "${v}" is not a sort field; use one of ${fields.join(', ')}, with "-" before it for descending order`;
    throw new ApiError(400, 'PKT_ERR_SERVER_BAD_REQUEST', message, undefined, { allowed: [...fields] });
  }
  return sort;
}
