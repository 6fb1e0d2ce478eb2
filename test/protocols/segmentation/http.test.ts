/**
 * HTTP/1.1 through the whole pipeline as browsers and servers cut it:
 * pipelined requests in one segment, chunked bodies, 100-continue, a request
 * line split over segments, bodiless HEAD and 304 replies, a body that ends
 * with the connection.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TcpSession, logRecords, runConversations } from '../../helpers/session.js';
import { ascii, pieces } from '../../helpers/bytes.js';

function pick(r: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ['trans_depth', 'method', 'host', 'uri', 'version', 'request_body_len', 'response_body_len', 'status_code', 'info_code']) {
    if (r[k] !== undefined) out[k] = r[k];
  }
  return out;
}

test('pipelined requests in one segment, replies (chunked, HEAD, 304) cut at odd places', () => {
  const reqs = ascii(
    'GET /a HTTP/1.1\r\nHost: h\r\n\r\n' +
      'HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n' +
      'GET /c HTTP/1.1\r\nHost: h\r\nIf-None-Match: "x"\r\n\r\n' +
      'POST /d HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello',
  );
  const replies = ascii(
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n' +
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n' +
      'HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok',
  );
  for (const size of [1, 3, 7, 1460]) {
    const s = new TcpSession({ serverPort: 80 }).handshake();
    s.send(true, reqs).send(false, ...pieces(replies, size)).close();
    const recs = logRecords(runConversations(s), 'http').map(pick);
    assert.deepEqual(recs, [
      { trans_depth: 1, method: 'GET', host: 'h', uri: '/a', version: '1.1', request_body_len: 0, response_body_len: 21, status_code: 200 },
      { trans_depth: 2, method: 'HEAD', host: 'h', uri: '/b', version: '1.1', request_body_len: 0, response_body_len: 0, status_code: 200 },
      { trans_depth: 3, method: 'GET', host: 'h', uri: '/c', version: '1.1', request_body_len: 0, response_body_len: 0, status_code: 304 },
      { trans_depth: 4, method: 'POST', host: 'h', uri: '/d', version: '1.1', request_body_len: 5, response_body_len: 2, status_code: 201 },
    ], `size ${size}`);
  }
});

test('100-continue, a request line split over segments, and a body ending at FIN', () => {
  const s = new TcpSession({ serverPort: 8080 }).handshake();
  s.send(true, ascii('PUT /upl'), ascii('oad HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n'));
  s.send(false, ascii('HTTP/1.1 100 Continue\r\n\r\n'));
  s.send(true, ascii('data'));
  s.send(false, ascii('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'), ascii('first part,'), ascii('second part'));
  s.fin(false).fin(true);
  const recs = logRecords(runConversations(s), 'http').map(pick);
  assert.deepEqual(recs, [
    { trans_depth: 1, method: 'PUT', host: 'h', uri: '/upload', version: '1.1', request_body_len: 4, response_body_len: 22, status_code: 200, info_code: 100 },
  ]);
});

test('a request line split before any full line on a port with no analyzer', () => {
  const s = new TcpSession({ serverPort: 9999 }).handshake();
  s.send(true, ascii('GET /x'), ascii(' HTTP/1.1\r\nHost: h\r\n\r\n'));
  s.send(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  s.close();
  const recs = logRecords(runConversations(s), 'http').map(pick);
  assert.deepEqual(recs, [
    { trans_depth: 1, method: 'GET', host: 'h', uri: '/x', version: '1.1', request_body_len: 0, response_body_len: 0, status_code: 200 },
  ]);
});

test('plain HTTP on 443 with a request line longer than one segment', () => {
  const uri = '/api/v1/beacon?d=' + 'QUFB'.repeat(500);
  const req = ascii(`GET ${uri} HTTP/1.1\r\nHost: c2.example\r\nUser-Agent: x\r\n\r\n`);
  const s = new TcpSession({ serverPort: 443 }).handshake();
  s.sendMss(true, req, 1448).send(false, ascii('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc')).close();
  const events = runConversations(s);
  const recs = logRecords(events, 'http').map(pick);
  assert.deepEqual(recs, [
    { trans_depth: 1, method: 'GET', host: 'c2.example', uri, version: '1.1', request_body_len: 0, response_body_len: 3, status_code: 200 },
  ]);
  assert.equal(logRecords(events, 'ssl').length, 0);
});

test('plain HTTP on a TLS port with the request line cut short: the choice waits for the line', () => {
  const s = new TcpSession({ serverPort: 8443 }).handshake();
  s.send(true, ascii('GET /it'), ascii('em.php?id=1 HT'), ascii('TP/1.1\r\nHost: h\r\n\r\n'));
  s.send(false, ascii('HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found')).close();
  const events = runConversations(s);
  assert.deepEqual(logRecords(events, 'http').map(pick), [
    { trans_depth: 1, method: 'GET', host: 'h', uri: '/item.php?id=1', version: '1.1', request_body_len: 0, response_body_len: 9, status_code: 404 },
  ]);
  assert.equal(logRecords(events, 'ssl').length, 0);
});
