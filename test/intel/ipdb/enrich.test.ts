/** enrichAlert / enrichConnRecord: ECS as/geo fields and orig_/resp_ fields for public addresses only. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enrichAlert, enrichConnRecord } from '../../../src/intel/ipdb/enrich.js';
import type { IpEnricher, IpOwner } from '../../../src/intel/context.js';
import type { Alert } from '../../../src/alerts/alert.js';
import type { ConnRecord } from '../../../src/flows/conn-record.js';

const OWNERS: Record<string, IpOwner> = {
  '88.198.0.1': { asn: 24940, as_org: 'Hetzner Online GmbH', cc: 'DE' },
  '203.0.113.5': { cc: 'ZZ' },
  '198.51.100.1': { asn: 64500 },
};
const enricher: IpEnricher = { lookup: (ip) => OWNERS[ip] };

function alert(src: string, dst?: string): Alert {
  return {
    '@timestamp': '2024-01-01T00:00:00.000Z',
    event: { kind: 'alert', severity: 2, category: ['network'] },
    rule: { id: 'x', name: 'x' },
    source: { ip: src, port: 1234 },
    ...(dst !== undefined ? { destination: { ip: dst, port: 443 } } : {}),
    threat: { technique: { id: 'T0' } },
    message: 'm',
    evidence: {},
    count: 1,
    first_seen: '',
    last_seen: '',
    observer: { name: 'picket' },
    dedup_key: 'k',
  };
}

test('alert: destination gets ECS as and geo; a private source is left alone', () => {
  const a = enrichAlert(alert('10.0.0.1', '88.198.0.1'), enricher);
  assert.deepEqual(a.source, { ip: '10.0.0.1', port: 1234 });
  assert.deepEqual(a.destination, {
    ip: '88.198.0.1',
    port: 443,
    as: { number: 24940, organization: { name: 'Hetzner Online GmbH' } },
    geo: { country_iso_code: 'DE' },
  });
});

test('alert: partial owners fill only what is known; fields already set are kept', () => {
  const a = enrichAlert(alert('203.0.113.5', '198.51.100.1'), enricher);
  assert.deepEqual(a.source.geo, { country_iso_code: 'ZZ' });
  assert.equal(a.source.as, undefined);
  assert.deepEqual(a.destination?.as, { number: 64500 });
  const pre = alert('88.198.0.1');
  pre.source.as = { number: 1 };
  enrichAlert(pre, enricher);
  assert.deepEqual(pre.source.as, { number: 1 });
  assert.deepEqual(pre.source.geo, { country_iso_code: 'DE' });
  // No destination at all: nothing breaks.
  assert.equal(enrichAlert(alert('10.0.0.1'), enricher).destination, undefined);
});

test('conn record: resp_* and orig_* fields for public ends only', () => {
  const rec = {
    'id.orig_h': '10.0.0.1',
    'id.resp_h': '88.198.0.1',
  } as ConnRecord;
  enrichConnRecord(rec, enricher);
  assert.equal(rec.orig_asn, undefined);
  assert.equal(rec.orig_cc, undefined);
  assert.equal(rec.resp_asn, 24940);
  assert.equal(rec.resp_as_org, 'Hetzner Online GmbH');
  assert.equal(rec.resp_cc, 'DE');
  const inbound = enrichConnRecord({ 'id.orig_h': '203.0.113.5', 'id.resp_h': '10.0.0.1' } as ConnRecord, enricher);
  assert.equal(inbound.orig_cc, 'ZZ');
  assert.equal(inbound.orig_asn, undefined);
  assert.equal(inbound.resp_cc, undefined);
});
