/**
 * HTTPS: with `server.tls` in the configuration (certificate and key paths
 * relative to the config file) the server speaks TLS only. The certificate
 * is made for the test with the openssl CLI (self-signed, for 127.0.0.1)
 * and the client trusts exactly it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { tempDir } from '../helpers/paths.js';
import { startTestServer, type TestServer } from './helpers.js';

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function get(url: string, ca: Buffer | undefined, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...(ca !== undefined ? { ca } : {}), headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

describe('HTTPS', { skip: haveOpenssl() ? false : 'openssl CLI not installed' }, () => {
  const dir = tempDir('picket-tls-');
  let s: TestServer;
  let cert: Buffer;
  before(async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
    ], { stdio: 'ignore' });
    cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    const config = path.join(dir, 'picket.yaml');
    fs.writeFileSync(config, 'server:\n  tls:\n    cert: cert.pem\n    key: key.pem\n');
    s = await startTestServer({ configFile: config, dataDir: path.join(dir, 'data') });
  });
  after(async () => {
    await s?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves the API over TLS with the configured certificate', async () => {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await get(`${s.url}/api/v1/admin/agents`, cert, s.adminToken);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { agents: [] });
    // A client that does not trust the certificate is refused by TLS itself.
    await assert.rejects(get(`${s.url}/api/v1/ping`, undefined, s.adminToken), /self[- ]signed/);
  });
});
