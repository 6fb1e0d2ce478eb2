/**
 * What a capture's DCE/RPC over TCP holds, for tests that look at stubs
 * encoded by another implementation: the chunks an analyzer was given per
 * flow (through a spy analyzer registered for the ports), and the requests
 * in them, each with the interface its context was bound to and its whole
 * stub (fragments joined). Written with the tests' own framing, from C706
 * 12.6, not the analyzer's. And what tshark's dissectors decode of them.
 */
import { execFileSync } from 'node:child_process';
import type { Analyzer, AnalyzerContext, ProtocolSpec } from '../../../src/protocols/analyzer.js';
import type { DceRpcCallDetails } from '../../../src/protocols/dcerpc/events.js';
import { replayCaptures } from '../../../src/pipeline/replay.js';
import assert from 'node:assert/strict';
import { requestDetails } from '../../../src/protocols/dcerpc/request-details.js';
import { concat, le32 as le32Bytes, rng } from '../../helpers/bytes.js';

export type Chunk = [fromOrig: boolean, data: Uint8Array];

/** The chunks an analyzer named `name` on `ports` was given per flow when `file` was replayed. */
export async function recordChunks(file: string, name: string, ports: number[]): Promise<Chunk[][]> {
  const flows: Chunk[][] = [];
  const spy: ProtocolSpec = {
    name,
    transports: ['tcp'],
    ports,
    create: (_ctx: AnalyzerContext): Analyzer => {
      const chunks: Chunk[] = [];
      flows.push(chunks);
      return { data: (fromOrig, data) => chunks.push([fromOrig, data.slice()]), end: () => undefined };
    },
  };
  await replayCaptures([file], { protocols: [spy] });
  return flows;
}

/** One request, its stub whole. */
export interface CapturedRequest {
  /** Index of its flow in the capture. */
  flow: number;
  /** The interface its context was bound to (lower-case UUID). */
  uuid: string;
  opnum: number;
  /** The stub data, fragments joined in order. */
  stub: Uint8Array;
  /** Fragments it came in. */
  fragments: number;
}

function le16(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8);
}

function le32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/** A UUID in NDR's little-endian layout as text. */
function uuidAt(b: Uint8Array, o: number): string {
  const h = (i: number): string => b[o + i]!.toString(16).padStart(2, '0');
  return [
    [3, 2, 1, 0].map(h).join(''),
    [5, 4].map(h).join(''),
    [7, 6].map(h).join(''),
    [8, 9].map(h).join(''),
    [10, 11, 12, 13, 14, 15].map(h).join(''),
  ].join('-');
}

/** The requests of every flow of `file` on `ports` (little-endian PDUs without auth verifiers, as Impacket sends them). */
export async function capturedRequests(file: string, ports: number[]): Promise<CapturedRequest[]> {
  const flows = await recordChunks(file, 'dce_rpc', ports);
  const out: CapturedRequest[] = [];
  flows.forEach((chunks, flow) => {
    const bytes = concat(...chunks.filter(([orig]) => orig).map(([, d]) => d));
    const contexts = new Map<number, string>();
    const open = new Map<number, CapturedRequest>();
    for (let p = 0; p + 16 <= bytes.length; ) {
      const type = bytes[p + 2]!;
      const flags = bytes[p + 3]!;
      const length = le16(bytes, p + 8);
      const callId = le32(bytes, p + 12);
      if (type === 11 || type === 14) {
        // bind / alter_context: the first context item's id and abstract syntax.
        contexts.set(le16(bytes, p + 28), uuidAt(bytes, p + 32));
      } else if (type === 0) {
        const object = (flags & 0x80) !== 0 ? 16 : 0;
        const stub = bytes.subarray(p + 24 + object, p + length);
        const first = (flags & 1) !== 0;
        const call = first
          ? { flow, uuid: contexts.get(le16(bytes, p + 20)) ?? '', opnum: le16(bytes, p + 22), stub, fragments: 1 }
          : open.get(callId);
        if (call !== undefined) {
          if (!first) {
            call.stub = concat(call.stub, stub);
            call.fragments++;
          }
          open.set(callId, call);
          if ((flags & 2) !== 0) {
            out.push(call);
            open.delete(callId);
          }
        }
      }
      p += length;
    }
  });
  return out;
}

/** tshark's fields (first occurrence) for the packets of `filter` in `file`, or null when tshark is not installed. */
export function tsharkFields(file: string, filter: string, fields: string[]): string[][] | null {
  try {
    const out = execFileSync('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  } catch {
    return null;
  }
}

/** CreateServiceW requests, for tshark's svcctl dissector. */
export const CREATE_SERVICE_REQUESTS = 'svcctl.opnum == 12 && dcerpc.pkt_type == 0';
/** What tshark decodes of them: service and display name, type, start type, binary path. */
export const CREATE_SERVICE_FIELDS = ['svcctl.servicename', 'svcctl.displayname', 'svcctl.service_type', 'svcctl.service_start_type', 'svcctl.binarypathname'];

const START_NUMBERS: Record<string, string> = { boot: '0', system: '1', auto: '2', demand: '3', disabled: '4' };
const TYPE_NUMBERS: Record<string, string> = { own_process: '0x00000010', share_process: '0x00000020' };

/** A CreateService call's details as tshark writes CREATE_SERVICE_FIELDS. */
export function createServiceFields(d: DceRpcCallDetails): (string | undefined)[] {
  return [d.service_name, d.display_name, TYPE_NUMBERS[d.service_type!], START_NUMBERS[d.start_type!], d.binary_path];
}

/** What `checkStubRobustness` puts each request through. */
export interface RobustnessOptions {
  /** Longest text a field may come back with (a cap plus "..."). */
  maxText: number;
  /** Seed of the noise. */
  seed: number;
  /** Noise stubs per request (the length of the request's own stub). */
  noiseRounds: number;
  /** Values written over each 4-byte position of each stub. */
  lies: readonly number[];
}

/** True when every field is text within `max` characters (or nothing was read). */
function boundedDetails(d: DceRpcCallDetails | undefined, max: number): boolean {
  return d === undefined || Object.values(d).every((v) => typeof v === 'string' && v.length <= max);
}

/**
 * Puts each captured request (little-endian, as captured) through what a
 * damaged or hostile stub can be: every cut gives nothing until the fields
 * read are whole, then exactly what the whole stub gives; every lie at
 * every 4-byte position and random noise give bounded text or nothing,
 * never an exception. Returns, per request, the length of the shortest
 * cut that reads.
 */
export function checkStubRobustness(reqs: readonly CapturedRequest[], o: RobustnessOptions): number[] {
  const read = (r: CapturedRequest, b: Uint8Array, end = b.length, little = true) => requestDetails(r.uuid, r.opnum, b, 0, end, little);
  const firsts: number[] = [];
  for (const r of reqs) {
    const whole = read(r, r.stub);
    assert.ok(whole !== undefined, `opnum ${r.opnum}: the whole stub reads`);
    let first = -1;
    for (let end = 0; end <= r.stub.length; end++) {
      const got = read(r, r.stub, end);
      if (got !== undefined && first < 0) first = end;
      if (first >= 0) assert.deepEqual(got, whole, `opnum ${r.opnum} cut at ${end}`);
    }
    firsts.push(first);
    for (let at = 0; at + 4 <= r.stub.length; at += 4) {
      for (const lie of o.lies) {
        const b = concat(r.stub.subarray(0, at), le32Bytes(lie), r.stub.subarray(at + 4));
        assert.ok(boundedDetails(read(r, b), o.maxText), `opnum ${r.opnum}, ${lie} at ${at}`);
      }
    }
  }
  const rand = rng(o.seed);
  for (const r of reqs) {
    for (let i = 0; i < o.noiseRounds; i++) {
      const noise = new Uint8Array(r.stub.length).map(() => Math.floor(rand() * 256));
      assert.ok(boundedDetails(read(r, noise, noise.length, i % 2 === 0), o.maxText));
    }
  }
  return firsts;
}
