/**
 * An alert as an agent ships it (ECS shape, ingest API), for server tests
 * that need alerts in the store without running detection.
 */
export function shippedAlert(rule: string, src: string, ts: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@timestamp': ts,
    event: { kind: 'alert', severity: 3, category: ['intrusion_detection'] },
    rule: { id: rule, name: rule },
    source: { ip: src },
    destination: { ip: '10.77.1.10', port: 22 },
    network: { transport: 'tcp', name: 'workstations' },
    threat: { technique: { id: 'T1110' } },
    message: `${src} did ${rule}`,
    evidence: {},
    count: 1,
    first_seen: ts,
    last_seen: ts,
    observer: { name: 'sensor-1' },
    dedup_key: src,
    ...over,
  };
}
