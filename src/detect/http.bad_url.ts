/**
 * http.bad_url — an HTTP request for a URL on an indicator list: a plain
 * list of URLs (abuse.ch URLhaus's text export is one), a MISP `url`
 * attribute flagged `to_ids`. Such lists name malware downloads and
 * phishing pages, often on hosts that are otherwise innocent, so only the
 * whole URL counts, never its host alone. The request's URL is rebuilt
 * from http.log's fields (the Host header and path, or the absolute URI a
 * client sends its proxy) and compared with the listed URL on one key
 * (intel/store/http-url.ts: host and scheme case, default port, percent
 * escapes and fragment do not matter). Only requests in clear meet it: an
 * https URL is seen when a client asks a proxy for it in clear, not
 * through a CONNECT tunnel. Critical when the server answered with a body
 * (the payload reached the host), else high. One alert per client and
 * listed URL within the dedup interval; quiet without indicator sources.
 */
import { defineDetector } from './detector.js';
import { detectorOptions } from '../config/fields.js';
import { alerting, describeSources, matchEvidence } from '../intel/store/evidence.js';
import { httpUrlKey } from '../intel/store/http-url.js';
import { recordTarget } from '../protocols/http/request-target.js';
import { shortText } from '../util/cut-text.js';
import { hostPort } from '../util/host-port.js';

/** Longest URL copied into a message or evidence (attacker-chosen text). */
const MAX_URL_TEXT = 512;

export const OPTIONS = detectorOptions({});

export default defineDetector({
  id: 'http.bad_url',
  name: 'Listed URL requested',
  description: 'A host requested a URL listed as an indicator (a malware download or phishing page).',
  severity: 3,
  category: ['network', 'threat'],
  technique: 'T1105',
  subscribes: ['http'],
  options: OPTIONS,
  create(ctx) {
    const idx = ctx.intel.indicators;
    if (idx === undefined) return {};
    return {
      http(e) {
        const r = e.record;
        const t = recordTarget(r);
        if (t === null || t.path === null || t.scheme === null) return;
        const key = httpUrlKey(t.scheme, t.host, t.port, t.path);
        const matches = alerting(idx.matchHttpUrl(key));
        if (matches.length === 0) return;
        const client = r['id.orig_h'];
        const server = r['id.resp_h'];
        if (ctx.excluded(client) || ctx.excluded(server)) return;
        const first = matches[0]!;
        const status = r.status_code;
        const delivered = status !== undefined && status >= 200 && status < 300 && r.response_body_len > 0;
        const proxied = t.form !== 'origin';
        const url = shortText(key, MAX_URL_TEXT);
        ctx.report({
          ts: r.ts,
          key: `${client}\u0002${first.indicator}`,
          severity: delivered ? 4 : 3,
          source: { ip: client, port: r['id.orig_p'] },
          destination: { ip: server, port: r['id.resp_p'] },
          transport: 'tcp',
          message:
            `${client} requested ${url}${proxied ? ` through the proxy ${hostPort(server, r['id.resp_p'])}` : ''}` +
            (status !== undefined ? ` (${status}${delivered ? `, ${r.response_body_len} bytes` : ''})` : ' (no reply)') +
            `, listed in ${describeSources(matches)}`,
          evidence: {
            url,
            method: r.method ?? null,
            host: r.host ?? null,
            status_code: status ?? null,
            response_body_len: r.response_body_len,
            resp_mime_types: r.resp_mime_types ?? [],
            resp_fuids: r.resp_fuids ?? [],
            proxied,
            uid: r.uid,
            indicator: first.indicator,
            matches: matchEvidence(matches),
          },
        });
      },
    };
  },
});
