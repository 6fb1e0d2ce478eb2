/**
 * A minimal MaxMind DB writer for tests: an IPv4 search tree (24-bit
 * records) over a handful of prefixes, a data section of string/uint maps and
 * the metadata block, following the MaxMind DB format spec
 * (https://maxmind.github.io/MaxMind-DB/). Enough to stand in for a user's
 * own GeoLite2-ASN style file; not a general writer.
 */

type Value = string | number | { [k: string]: Value } | Value[];

function ctrl(type: number, size: number): Buffer {
  // Sizes below 29 fit in the control byte; the tests never need more than 284.
  const extended = type > 7;
  const head = (extended ? 0 : type << 5) | (size < 29 ? size : 29);
  const out = [head];
  if (extended) out.push(type - 7);
  if (size >= 29) out.push(size - 29);
  return Buffer.from(out);
}

function encode(v: Value): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([ctrl(2, b.length), b]);
  }
  if (typeof v === 'number') {
    // uint32 (type 6), big-endian with leading zero bytes dropped.
    const bytes: number[] = [];
    for (let x = v; x > 0; x = Math.floor(x / 256)) bytes.unshift(x % 256);
    return Buffer.concat([ctrl(6, bytes.length), Buffer.from(bytes)]);
  }
  if (Array.isArray(v)) return Buffer.concat([ctrl(11, v.length), ...v.map(encode)]);
  const keys = Object.keys(v);
  return Buffer.concat([ctrl(7, keys.length), ...keys.flatMap((k) => [encode(k), encode(v[k]!)])]);
}

function uint16(n: number): Buffer {
  return Buffer.concat([ctrl(5, 2), Buffer.from([n >> 8, n & 255])]);
}

/** One entry: IPv4 CIDR and the record it maps to. */
export interface MmdbEntry {
  cidr: string;
  record: { [k: string]: Value };
}

export function writeMmdb(entries: readonly MmdbEntry[], databaseType: string): Buffer {
  // Tree nodes as [left, right]; a child is a node index, {data: i}, or null (empty).
  type Child = number | { data: number } | null;
  const nodes: [Child, Child][] = [[null, null]];
  const data: Buffer[] = [];
  const offsets: number[] = [];
  let dataLen = 0;
  for (const e of entries) {
    const [addr, len] = e.cidr.split('/') as [string, string];
    const bits = addr.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    const d = encode(e.record);
    offsets.push(dataLen);
    data.push(d);
    dataLen += d.length;
    let node = 0;
    const prefix = Number(len);
    for (let depth = 0; depth < prefix; depth++) {
      const bit = Math.floor(bits / 2 ** (31 - depth)) & 1;
      if (depth === prefix - 1) {
        nodes[node]![bit] = { data: offsets.length - 1 };
        break;
      }
      const next = nodes[node]![bit];
      if (typeof next === 'number') node = next;
      else {
        nodes.push([null, null]);
        nodes[node]![bit] = nodes.length - 1;
        node = nodes.length - 1;
      }
    }
  }
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 6);
  const value = (c: Child): number => (c === null ? nodeCount : typeof c === 'number' ? c : nodeCount + 16 + offsets[c.data]!);
  nodes.forEach(([l, r], i) => {
    tree.writeUIntBE(value(l), i * 6, 3);
    tree.writeUIntBE(value(r), i * 6 + 3, 3);
  });
  const meta = Buffer.concat([
    ctrl(7, 9),
    encode('node_count'), encode(nodeCount),
    encode('record_size'), uint16(24),
    encode('ip_version'), uint16(4),
    encode('database_type'), encode(databaseType),
    encode('languages'), encode([]),
    encode('binary_format_major_version'), uint16(2),
    encode('binary_format_minor_version'), uint16(0),
    encode('build_epoch'), encode(1700000000),
    encode('description'), encode({ en: 'picket test database' }),
  ]);
  return Buffer.concat([tree, Buffer.alloc(16), ...data, Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1'), meta]);
}
