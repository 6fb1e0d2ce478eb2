/**
 * The task definition reader: command, arguments, account and run level
 * from task XML as schtasks and atexec write it, with entities, CDATA,
 * namespace prefixes, comments holding decoys, elements out of place, a
 * second Exec action, and documents that are not well formed (no facts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEntities, taskXmlFacts } from '../../../src/protocols/dcerpc/task-xml.js';
import { rng } from '../../helpers/bytes.js';

const task = (actions: string, principals = '') =>
  `<?xml version="1.0" encoding="UTF-16"?>\n<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">` +
  `<RegistrationInfo><Description>Runs &lt;Command&gt;x&lt;/Command&gt;</Description></RegistrationInfo>` +
  `<Principals>${principals}</Principals><Actions Context="Author">${actions}</Actions></Task>`;

test('Exec Command and Arguments, the principal; entities decoded, text trimmed', () => {
  const xml = task(
    '<Exec>\n  <Command>cmd.exe</Command>\n  <Arguments>/C whoami &gt; %windir%\\Temp\\a.tmp 2&gt;&amp;1 &quot;x&quot; &apos;y&apos; &#65;&#x42;</Arguments>\n</Exec>',
    '<Principal id="LocalSystem"><UserId>S-1-5-18</UserId><RunLevel>HighestAvailable</RunLevel></Principal>',
  );
  assert.deepEqual(taskXmlFacts(xml), {
    user: 'S-1-5-18',
    run_level: 'HighestAvailable',
    command: 'cmd.exe',
    arguments: '/C whoami > %windir%\\Temp\\a.tmp 2>&1 "x" \'y\' AB',
  });
});

test('CDATA is text; a namespace prefix is allowed; attributes may hold ">"; a self-closing Arguments is empty', () => {
  const xml =
    '<t:Task xmlns:t="http://schemas.microsoft.com/windows/2004/02/mit/task"><t:Actions Context="a>b">' +
    '<t:Exec><t:Command><![CDATA[C:\\a b\\x.exe]]></t:Command><t:Arguments/></t:Exec></t:Actions></t:Task>';
  assert.deepEqual(taskXmlFacts(xml), { command: 'C:\\a b\\x.exe', arguments: '' });
});

test('decoys: a Command in a comment, outside Actions/Exec, or in a second Exec action is not taken', () => {
  const xml = task(
    '<!-- <Exec><Command>decoy.exe</Command></Exec> --><Exec><Command>first.exe</Command></Exec><Exec><Command>second.exe</Command><Arguments>-x</Arguments></Exec>',
    '<Principal><UserId>alice</UserId></Principal><Principal><UserId>bob</UserId></Principal>',
  );
  assert.deepEqual(taskXmlFacts(xml), { user: 'alice', command: 'first.exe' });
  assert.deepEqual(taskXmlFacts('<Task><Command>x.exe</Command><Exec><Command>y.exe</Command></Exec></Task>'), {});
  // A ComHandler action has no command.
  assert.deepEqual(taskXmlFacts(task('<ComHandler><ClassId>{0}</ClassId></ComHandler>')), {});
});

test('not well formed where it is read: no facts', () => {
  const good = task('<Exec><Command>cmd.exe</Command></Exec>');
  assert.equal(taskXmlFacts(good).command, 'cmd.exe');
  for (const bad of [
    good.slice(0, good.length - 10),
    good.replace('</Command>', '</Arguments>'),
    good.replace('<!--', '').replace('<Exec>', '<!-- <Exec>'),
    good.replace('<Exec>', '<Exec attr="<">'),
    good.replace('<Exec>', '<Exec><![CDATA[ unclosed'),
    `${'<a>'.repeat(65)}${'</a>'.repeat(65)}`,
  ]) {
    assert.deepEqual(taskXmlFacts(bad), {}, bad.slice(0, 80));
  }
});

test('a long command is cut (one character past what the analyzer keeps, so it can mark the cut)', () => {
  const long = 'A'.repeat(10000);
  const facts = taskXmlFacts(task(`<Exec><Command>${long}</Command></Exec>`));
  assert.equal(facts.command!.length, 2049);
});

test('unknown entities and references out of range stay as written; random text never throws', () => {
  assert.equal(decodeEntities('&nbsp; &#0; &#xD800; &#x110000; &amp;lt;'), '&nbsp; &#0; &#xD800; &#x110000; &lt;');
  const rand = rng(0x7a5c);
  const alphabet = '<>/!?-[]CDATA&;#x"\' =ExecCommandActionsArguments\n';
  for (let i = 0; i < 3000; i++) {
    let s = '';
    const n = Math.floor(rand() * 200);
    for (let k = 0; k < n; k++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const facts = taskXmlFacts(s);
    assert.equal(typeof facts, 'object');
  }
});
