/**
 * SASL user extraction: PLAIN (authcid, falling back to authzid), LOGIN
 * (first response only; the second is the password), CRAM-MD5, SCRAM and
 * XOAUTH2; anything not base64 gives no user.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SaslMech, saslMech, saslUser } from '../../../src/protocols/mail/sasl.js';
import { b64, text } from './session.js';

function user(mech: SaslMech, index: number, response: string): string | undefined {
  const b = text(response);
  return saslUser(mech, index, b, 0, b.length);
}

test('sasl: mechanism names', () => {
  assert.equal(saslMech('plain'), SaslMech.PLAIN);
  assert.equal(saslMech('LOGIN'), SaslMech.LOGIN);
  assert.equal(saslMech('CRAM-MD5'), SaslMech.CRAM_MD5);
  assert.equal(saslMech('SCRAM-SHA-256'), SaslMech.SCRAM);
  assert.equal(saslMech('XOAUTH2'), SaslMech.XOAUTH2);
  assert.equal(saslMech('GSSAPI'), SaslMech.OTHER);
});

test('sasl: users from each mechanism, never the password', () => {
  assert.equal(user(SaslMech.PLAIN, 0, b64('\0alice\0s3cret')), 'alice');
  assert.equal(user(SaslMech.PLAIN, 0, b64('admin\0alice\0s3cret')), 'alice');
  assert.equal(user(SaslMech.PLAIN, 0, b64('admin\0\0s3cret')), 'admin');
  assert.equal(user(SaslMech.PLAIN, 0, b64('no-separators')), undefined);
  assert.equal(user(SaslMech.LOGIN, 0, b64('bob')), 'bob');
  assert.equal(user(SaslMech.LOGIN, 1, b64('password')), undefined);
  assert.equal(user(SaslMech.CRAM_MD5, 0, b64('tim b913a602c7eda7a495b4e6e7334d3890')), 'tim');
  assert.equal(user(SaslMech.SCRAM, 0, b64('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL')), 'user');
  assert.equal(user(SaslMech.XOAUTH2, 0, b64('user=someone@example.com\x01auth=Bearer ya29\x01\x01')), 'someone@example.com');
  assert.equal(user(SaslMech.OTHER, 0, b64('whatever')), undefined);
  // Not base64 (a client cancelling with "*", or garbage).
  assert.equal(user(SaslMech.PLAIN, 0, '*'), undefined);
  assert.equal(user(SaslMech.LOGIN, 0, 'not base64!'), undefined);
});
