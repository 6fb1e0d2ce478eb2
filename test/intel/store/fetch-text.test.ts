/**
 * httpRequest's transport handling against a real HTTP server on
 * 127.0.0.1: a connection the server closes before answering (as a
 * kept-alive connection it has expired does) is tried once more on a new
 * connection; a server that closes every connection is a clear failure
 * naming the URL, after exactly two attempts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchText } from '../../../src/intel/store/fetch-text.js';

/** A server that closes the first `drops` connections' requests without an answer, then answers "ok". */
async function dropping(drops: number): Promise<{ url: string; requests(): number; close(): Promise<void> }> {
  let seen = 0;
  const server = http.createServer((req, res) => {
    seen++;
    if (seen <= drops) {
      req.socket.destroy();
      return;
    }
    res.end('203.0.113.5\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/list.txt`,
    requests: () => seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

test('a connection closed before the answer is tried once more', async () => {
  const srv = await dropping(1);
  try {
    assert.equal(await fetchText(srv.url), '203.0.113.5\n');
    assert.equal(srv.requests(), 2);
  } finally {
    await srv.close();
  }
});

test('a server that keeps closing is a failure naming the URL, after two attempts', async () => {
  const srv = await dropping(10);
  try {
    await assert.rejects(fetchText(srv.url), (err: Error) => err.message.startsWith(`${srv.url}: fetch failed`));
    assert.equal(srv.requests(), 2);
  } finally {
    await srv.close();
  }
});
