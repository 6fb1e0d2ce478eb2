/**
 * SQL text for ClickHouse with the values written inline. Query parameters
 * ({name:Type}) need ClickHouse 19.x and the test server is Debian's 18.16,
 * so every value goes through these functions: strings are quoted with
 * backslash escapes (ClickHouse's literal syntax), control characters as
 * \xHH, and numbers must be finite or the call throws before any SQL is sent.
 */
import { PicketError } from '../../util/errors.js';

/** A quoted string literal. */
export function lit(s: string): string {
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27) out += "\\'";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += s[i];
  }
  return `${out}'`;
}

/** A numeric literal (finite numbers only). */
export function num(v: number): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new PicketError('PKT_ERR_STORE_QUERY', `not a finite number: ${String(v)}`);
  }
  return String(v);
}

/** A database or table name: letters, digits and underscores (refused otherwise, so it never needs quoting). */
export function ident(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
    throw new PicketError('PKT_ERR_CONFIG_STORE', `"${name}" is not a valid ClickHouse database name (letters, digits, _)`);
  }
  return name;
}

/** `col` holds one of `values` (an address's spellings): `=` for one, `IN (...)` for more; both use the primary key. */
export function oneOf(col: string, values: readonly string[]): string {
  return values.length === 1 ? `${col} = ${lit(values[0]!)}` : `${col} IN (${values.map(lit).join(', ')})`;
}

/** WHERE clauses joined with AND. */
export class ChWhere {
  readonly clauses: string[] = [];
  add(clause: string): void {
    this.clauses.push(clause);
  }
  range(col: string, from: number | undefined, to: number | undefined): void {
    if (from !== undefined) this.add(`${col} >= ${num(from)}`);
    if (to !== undefined) this.add(`${col} < ${num(to)}`);
  }
  sql(): string {
    return this.clauses.length === 0 ? '' : `WHERE ${this.clauses.join(' AND ')}`;
  }
}
