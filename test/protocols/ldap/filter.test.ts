import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BerReader } from '../../../src/protocols/asn1/ber.js';
import { renderFilter, escapeValue, FILTER_PARSING_ERROR } from '../../../src/protocols/ldap/filter.js';
import { and, or, not, eq, ge, present, substr, ext } from './messages.js';
import { hex, tlv, seq } from '../asn1/helpers.js';

function render(f: Uint8Array): string {
  const r = new BerReader(f);
  assert.ok(r.next());
  return renderFilter(r);
}

test('RFC 4515 rendering of every filter type', () => {
  assert.equal(render(present('objectClass')), '(objectClass=*)');
  assert.equal(render(eq('uid', 'jdoe')), '(uid=jdoe)');
  assert.equal(render(ge('uSNChanged', '100')), '(uSNChanged>=100)');
  assert.equal(render(and(present('objectclass'), eq('sAMAccountName', 'bob'))), '(&(objectclass=*)(sAMAccountName=bob))');
  // Three operands stay flat (RFC 4515), unlike Zeek's nested rendering.
  assert.equal(render(and(present('a'), present('b'), not(eq('c', 'd')))), '(&(a=*)(b=*)(!(c=d)))');
  assert.equal(render(or(eq('cn', 'x'), eq('cn', 'y'))), '(|(cn=x)(cn=y))');
  assert.equal(render(substr('cn', 'adm', ['in'], 'istrator')), '(cn=adm*in*istrator)');
  assert.equal(render(substr('cn', undefined, [], 'svc')), '(cn=*svc)');
  assert.equal(render(ext('1.2.840.113556.1.4.803', 'userAccountControl', '2')), '(userAccountControl:1.2.840.113556.1.4.803:=2)');
  assert.equal(render(ext('caseExactMatch', 'cn', 'Fred', true)), '(cn:dn:caseExactMatch:=Fred)');
});

test('assertion values are escaped; binary values byte by byte', () => {
  assert.equal(render(eq('cn', 'a*b(c)d\\e')), '(cn=a\\2ab\\28c\\29d\\5ce)');
  assert.equal(render(eq('objectSid', hex('01 05 00 00 ff'))), '(objectSid=\\01\\05\\00\\00\\ff)');
  assert.equal(escapeValue(new TextEncoder().encode('Müller'), 0, 7), 'Müller');
});

test('malformed filters render as FILTER_PARSING_ERROR', () => {
  assert.equal(render(not(seq())), FILTER_PARSING_ERROR);
  assert.equal(render(tlv(0xaf, present('x'))), FILTER_PARSING_ERROR);
  assert.equal(render(tlv(0xa3, tlv(0x04))), FILTER_PARSING_ERROR);
});

test('deep nesting is bounded, not a stack overflow', () => {
  let f = present('x');
  for (let i = 0; i < 5000; i++) f = not(f);
  assert.equal(render(f), FILTER_PARSING_ERROR);
});
