/** The attack-tool and malware user-agent lists and their matcher: listed tools and families, browsers and libraries, user files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/paths.js';
import { createUserAgentClassifier, loadUserAgentClassifier } from '../../../src/intel/ua/index.js';
import { parsePatternList } from '../../../src/intel/ua/patterns.js';
import { MAX_TESTED, UserAgentMatcher } from '../../../src/intel/ua/matcher.js';

const ua = createUserAgentClassifier(process.cwd());

/** Real user-agents as the tools send them by default (tool name expected). */
const TOOLS: [string, string][] = [
  ['sqlmap', 'sqlmap/1.7.2#stable (https://sqlmap.org)'],
  ['Nikto', 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)'],
  ['Nmap Scripting Engine', 'Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)'],
  ['masscan', 'masscan/1.3 (https://github.com/robertdavidgraham/masscan)'],
  ['zgrab', 'Mozilla/5.0 zgrab/0.x'],
  ['gobuster', 'gobuster/3.6'],
  ['DirBuster', 'DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)'],
  ['ffuf', 'Fuzz Faster U Fool v2.1.0-dev'],
  ['feroxbuster', 'feroxbuster/2.10.1'],
  ['wfuzz', 'Wfuzz/3.1.0'],
  ['nuclei', 'Nuclei - Open-source project (github.com/projectdiscovery/nuclei)'],
  ['hydra', 'Mozilla/4.0 (Hydra)'],
  ['Metasploit', 'Mozilla/4.0 (compatible; Metasploit RSPEC)'],
  ['WPScan', 'WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)'],
  ['Acunetix', 'Mozilla/5.0 (compatible; Acunetix Web Vulnerability Scanner)'],
  ['Burp Suite', 'Burp Suite Professional'],
  ['OWASP ZAP', 'Mozilla/5.0 (compatible; OWASP ZAP 2.14)'],
  ['Nessus', 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 5.1; Trident/4.0) Nessus'],
  ['OpenVAS', 'Mozilla/5.0 [en] (X11, U; OpenVAS-VT 22.4.1)'],
  ['w3af', 'w3af.org'],
  ['skipfish', 'Mozilla/5.0 SF/2.10b'],
  ['Arachni', 'Arachni/v1.5.1'],
  ['commix', 'commix/v3.8-stable (https://commixproject.com)'],
  ['WhatWeb', 'WhatWeb/0.5.5'],
  ['Havij', 'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 5.1; SV1; .NET CLR 2.0.50727) Havij'],
  ['Jorgee', 'Mozilla/5.0 Jorgee'],
  ['SIPVicious', 'friendly-scanner'],
  ['sipcli', 'sipcli/v1.8'],
];

for (const [tool, agent] of TOOLS) {
  test(`${tool}: its user-agent matches`, () => {
    const m = ua.attackTool(agent);
    assert.ok(m !== undefined, `no match for ${agent}`);
    assert.equal(m.tool, tool);
  });
}

test('matching is case-insensitive and names the pattern and its source', () => {
  const m = ua.attackTool('SQLMAP/1.8');
  assert.equal(m?.tool, 'sqlmap');
  assert.equal(m?.pattern, 'sqlmap');
  // Sigma-derived patterns carry the rule author (DRL 1.1 attribution).
  assert.match(m!.source, /proxy_ua_hacktool\.yml by Florian Roth/);
  assert.match(ua.attackTool('gobuster/3.6')!.source, /Nasreddine Bencherchali/);
});

const ORDINARY = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'Go-http-client/2.0',
  'curl/8.5.0',
  'Wget/1.21.4',
  'okhttp/4.12.0',
  'Java/17.0.10',
  'Apache-HttpClient/4.5.14 (Java/17.0.10)',
  'libwww-perl/6.72',
  'Python-urllib/3.11',
  'Microsoft-CryptoAPI/10.0',
  'Windows-Update-Agent/10.0.10011.16384 Client-Protocol/2.71',
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'Debian APT-HTTP/1.3 (2.6.1)',
];

test('browsers, library agents and crawlers do not match', () => {
  for (const agent of ORDINARY) {
    assert.equal(ua.attackTool(agent), undefined, agent);
    assert.equal(ua.malware(agent), undefined, agent);
  }
  assert.equal(ua.attackTool(''), undefined);
  assert.equal(ua.malware(''), undefined);
});

/** Malware agents as the families send them (family expected), each in the form its source documents. */
const MALWARE: [string, string][] = [
  ['Raccoon Stealer', 'TakeMyPainBack'],
  ['Raccoon Stealer', 'mozzzzzzzzzzz'],
  ['LockBit', 'Gecko/20100101'],
  ['Loki Bot', 'Mozilla/4.08 (Charon; Inferno)'],
  ['njRAT / Houdini', 'VICTIM-PC<|>admin<|>Win10<|>0.7d'],
  ['WSH RAT', 'WSHRAT|2A1B3C4D|DESKTOP-1|admin|Microsoft Windows 10 Pro|plus|nan-av|false - 21/11/2025'],
  ['AntSword web shell client', 'antSword/v2.1'],
  ['Agent Tesla', 'TeslaBrowser/5.5'],
  ['BunnyLoader', 'BunnyLoader'],
  ['Zebrocy (APT28)', 'Mozilla v5.1 (Windows NT 6.1; rv:6.0.1) Gecko/20100101 Firefox/6.0.1'],
  ['VPNFilter', 'Mozilla/6.1 (compatible; MSIE 9.0; Windows NT 5.3; Trident/5.0)'],
  ['APT33', 'Mozilla/5.0 (Windows NT 9; Win64; x64) AppleWebKit/537.36'],
  ['Ursnif', 'Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 10.0; Win64; x64)'],
];

for (const [family, agent] of MALWARE) {
  test(`${family}: its user-agent is malware, not an attack tool`, () => {
    const m = ua.malware(agent);
    assert.ok(m !== undefined, `no match for ${agent}`);
    assert.equal(m.tool, family);
    assert.equal(ua.attackTool(agent), undefined);
  });
}

test('malware patterns anchored to the whole agent do not match inside another, and strings Sigma lists that ordinary software sends are left out', () => {
  assert.equal(ua.malware('TakeMyPainBack/2'), undefined);
  assert.equal(ua.malware('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0'), undefined, 'Gecko/20100101 only as a whole header');
  for (const generic of ['agent', 'Client', 'OK', 'Opera', 'MSIE', 'record', 'uploader', 'AutoIt', 'nsis_inetc (mozilla)', 'webclient', 'Mozilla/4.0', 'Microsoft Internet Explorer', 'Mozilla/4.0 (compatible; RMS)']) {
    assert.equal(ua.malware(generic), undefined, generic);
  }
  assert.match(ua.malware('TakeMyPainBack')!.source, /proxy_ua_malware\.yml by Florian Roth \(Nextron Systems\), X__Junior/);
  assert.match(ua.malware('hots scot')!.source, /proxy_ua_apt\.yml by Florian Roth \(Nextron Systems\), Markus Neis/);
});

test('prefix and exact patterns only match where they are anchored', () => {
  const m = new UserAgentMatcher(parsePatternList('scanner\t^ZAP/\tt\nexact\t^DotDotPwn v2.1$\tt\n', 'x').patterns);
  assert.equal(m.match('ZAP/2.14')?.tool, 'scanner');
  assert.equal(m.match('Mozilla ZAP/2.14'), undefined);
  assert.equal(m.match('dotdotpwn V2.1')?.tool, 'exact');
  assert.equal(m.match('DotDotPwn v2.1 extra'), undefined);
});

test('regular-expression characters in patterns are literal', () => {
  const m = new UserAgentMatcher(parsePatternList('hydra\t(hydra)\n', 'x').patterns);
  assert.equal(m.match('Mozilla/4.0 (Hydra)')?.tool, 'hydra');
  assert.equal(m.match('hydra'), undefined);
});

test('a huge user-agent is cut to MAX_TESTED characters before matching, and counted', () => {
  const m = createUserAgentClassifier(process.cwd());
  const late = 'A'.repeat(MAX_TESTED) + ' sqlmap/1.0';
  assert.equal(m.attackTool(late), undefined);
  assert.equal(m.tools.truncated, 1);
  assert.equal(m.attackTool('sqlmap/1.0 ' + 'A'.repeat(100000))?.tool, 'sqlmap');
  assert.equal(m.malware('A'.repeat(MAX_TESTED) + '<|>'), undefined);
  assert.equal(m.malwareAgents.truncated, 1);
});

test('site pattern files extend the list: bare patterns and tool<TAB>pattern lines; bad lines are counted', () => {
  const dir = tempDir('picket-ua-');
  try {
    fs.writeFileSync(path.join(dir, 'extra.txt'), '# ours\nEvilScanner/\ninhouse\t^Corp-Pentest \tred team\nab\n\t^x\n');
    const { classifier, skipped } = loadUserAgentClassifier(dir, { tools: ['extra.txt'], malware: [] });
    assert.equal(classifier.attackTool('EvilScanner/1.0')?.tool, 'EvilScanner/');
    assert.equal(classifier.attackTool('EvilScanner/1.0')?.source, 'extra.txt');
    assert.equal(classifier.attackTool('corp-pentest 2024')?.tool, 'inhouse');
    assert.equal(classifier.attackTool('sqlmap/1.7')?.tool, 'sqlmap', 'the bundled list stays');
    assert.equal(classifier.malware('EvilScanner/1.0'), undefined, 'site files extend the attack-tool list only');
    assert.deepEqual(skipped, { 'pattern too short': 1, 'no tool name': 1 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('site malware pattern files extend the malware list only, after the bundled rows; the family column names the family', () => {
  const dir = tempDir('picket-ua-');
  try {
    fs.mkdirSync(path.join(dir, 'lists'));
    fs.writeFileSync(path.join(dir, 'lists', 'malware.tsv'), 'family\tpattern\tsource\nAcmeRAT\t^AcmeAgent/\tincident 2026-114\nOurLoader\tLdr-Check\nx\ty\n');
    const { classifier, skipped } = loadUserAgentClassifier(dir, { tools: [], malware: ['lists/malware.tsv'] });
    assert.deepEqual(classifier.malware('AcmeAgent/2.1 (win)'), { tool: 'AcmeRAT', pattern: '^AcmeAgent/', source: 'incident 2026-114' });
    assert.deepEqual(classifier.malware('Mozilla/5.0 Ldr-Check')?.source, 'malware.tsv');
    assert.equal(classifier.malware('TakeMyPainBack')?.tool, 'Raccoon Stealer', 'the bundled list stays');
    assert.equal(classifier.attackTool('AcmeAgent/2.1'), undefined, 'not an attack tool');
    assert.deepEqual(skipped, { 'pattern too short': 1 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a missing pattern file is a coded error', () => {
  assert.throws(() => loadUserAgentClassifier(process.cwd(), { tools: ['no-such-file.txt'], malware: [] }), { code: 'PKT_ERR_UA_PATTERNS' });
  assert.throws(() => loadUserAgentClassifier(process.cwd(), { tools: [], malware: ['no-such-file.txt'] }), { code: 'PKT_ERR_UA_PATTERNS' });
});

test('the bundled lists parse cleanly and every row names its source', () => {
  const { classifier, skipped } = loadUserAgentClassifier(process.cwd());
  assert.deepEqual(skipped, {});
  assert.ok(classifier.tools.patterns.length >= 60);
  assert.ok(classifier.malwareAgents.patterns.length >= 90);
  for (const p of [...classifier.tools.patterns, ...classifier.malwareAgents.patterns]) assert.ok(p.source === 'picket' || /^Sigma .+ by .+, DRL 1\.1$/.test(p.source), p.source);
});
