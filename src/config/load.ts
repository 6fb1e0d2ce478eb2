/**
 * Loading picket.yaml: YAML (with node ranges kept, so every problem names
 * its line), then the zod schema, then cross-reference checks. Problems are
 * collected, not stopped at the first: `picket config check` lists them all.
 * Each reads `file:line: key.path: what is wrong`, e.g.
 * `picket.yaml:7: networks[1].cidrs[0]: "10.77.2.0/33" is not a CIDR`.
 */
import fs from 'node:fs';
import YAML, { isMap, isPair, isScalar, isSeq, LineCounter, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { PicketError } from '../util/errors.js';
import { siteConfigSchema, type SiteConfig } from './schema.js';
import { RULE_IDS } from '../detect/index.js';
import { AGENT_RULE_IDS } from '../agents/agent-rules.js';
import { parseCidr } from './cidr.js';
import { globToRegExp } from './fields.js';
import { closestName } from '../util/suggest.js';
import { ruleMatches } from '../alerts/suppression.js';
import { HOST_LIST_OPTIONS, looksLikeNetworkName } from '../detect/host-lists.js';

/** Aliases expanded at most this often: a YAML "billion laughs" must not exhaust memory. */
const MAX_ALIAS_COUNT = 100;
/** Larger config files are refused (a site config is a few KB). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface ConfigProblem {
  file: string;
  /** 1-based line, or 0 when unknown. */
  line: number;
  /** Key path, e.g. "networks[1].cidrs[0]" ("" for the whole file). */
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}${p.line > 0 ? `:${p.line}` : ''}: ${p.path !== '' ? `${p.path}: ` : ''}${p.message}`;
}

/** An invalid or unreadable config; `problems` lists every finding. */
export class ConfigError extends PicketError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[], code = 'PKT_ERR_CONFIG_INVALID') {
    super(code, problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type PathSeg = string | number;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of p) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else {
      const s = String(seg);
      out += IDENT.test(s) ? (out === '' ? s : `.${s}`) : `[${JSON.stringify(s)}]`;
    }
  }
  return out;
}

/** The YAML node at `p` (the key node when `keyOf` is set), or the deepest ancestor found. */
function nodeAt(doc: Document, p: readonly PathSeg[], keyOf: boolean): YamlNode | null {
  let node: unknown = doc.contents;
  let last: YamlNode | null = (doc.contents as YamlNode | null) ?? null;
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg));
      if (pair === undefined) return last;
      if (keyOf && i === p.length - 1 && isScalar(pair.key)) return pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
    } else {
      return last;
    }
    if (node !== null && typeof node === 'object' && 'range' in node) last = node as YamlNode;
    else return last;
  }
  return last;
}

/** The path of the key whose node starts at `offset` (a duplicated key's second use), or null. */
function keyPathAt(node: unknown, offset: number, p: PathSeg[] = []): PathSeg[] | null {
  if (isMap(node)) {
    for (const it of node.items) {
      if (!isPair(it) || !isScalar(it.key)) continue;
      const key = String(it.key.value);
      if (it.key.range !== undefined && it.key.range !== null && it.key.range[0] === offset) return [...p, key];
      const inner = keyPathAt(it.value, offset, [...p, key]);
      if (inner !== null) return inner;
    }
  } else if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const inner = keyPathAt(node.items[i], offset, [...p, i]);
      if (inner !== null) return inner;
    }
  }
  return null;
}

/** A YAML syntax problem in words that fit a configuration file (the library's own advice does not). */
function yamlProblem(doc: Document, err: YAML.YAMLError): { path: string; message: string } {
  if (err.code === 'DUPLICATE_KEY' && err.pos !== undefined) {
    const p = keyPathAt(doc.contents, err.pos[0]);
    if (p !== null) return { path: formatPath(p), message: `"${String(p[p.length - 1])}" is given twice in the same mapping; keep one` };
  }
  if (err.code === 'MULTIPLE_DOCS') {
    return { path: '', message: 'the file holds several YAML documents (separated by ---); a configuration is one document' };
  }
  return { path: '', message: `YAML: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, '')}` };
}

/** Line of the first alias whose anchor is not defined before it (toJS only says which name). */
function unresolvedAliasLine(doc: Document, lc: LineCounter): number {
  let line = 0;
  YAML.visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined && node.range) {
        line = lc.linePos(node.range[0]).line;
        return YAML.visit.BREAK;
      }
      return undefined;
    },
  });
  return line;
}

function lineOf(doc: Document, lc: LineCounter, p: readonly PathSeg[], keyOf = false): number {
  const n = nodeAt(doc, p, keyOf);
  const r = n?.range;
  return r ? lc.linePos(r[0]).line : 0;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function quote(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

const TYPE_NAMES: Readonly<Record<string, string>> = { object: 'a mapping', array: 'a list', string: 'text', number: 'a number', boolean: 'true or false' };

function issueMessage(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type':
      if (input === undefined) return 'is required';
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}, not ${describeValue(input)}`;
    case 'invalid_value':
      return `${quote(input)} is not one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_union': {
      // Report the most specific branch's complaint rather than "invalid input".
      for (const branch of issue.errors) {
        const custom = branch.find((b) => b.code === 'custom');
        if (custom !== undefined) return `${quote(input)} ${custom.message}`;
      }
      return `${describeValue(input)} is not accepted here`;
    }
    case 'too_small':
    case 'too_big':
      return input !== undefined && typeof input !== 'object' ? `${quote(input)} ${issue.message}` : issue.message;
    case 'custom':
    case 'invalid_format':
      return input !== undefined && typeof input !== 'object' ? `${quote(input)} ${issue.message}` : issue.message;
    default:
      return issue.message;
  }
}

interface SchemaDef {
  type?: string;
  innerType?: unknown;
  in?: unknown;
  shape?: Record<string, unknown>;
  element?: unknown;
  options?: unknown[];
  discriminator?: string;
  values?: unknown[];
}

function defOf(x: unknown): SchemaDef | undefined {
  return (x as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** The schema without default/optional/nullable/pipe wrappers. */
function unwrapSchema(x: unknown): unknown {
  for (let i = 0; i < 10; i++) {
    const def = defOf(x);
    if (def === undefined) return x;
    if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional' || def.type === 'nullable') x = def.innerType;
    else if (def.type === 'pipe') x = def.in;
    else return x;
  }
  return x;
}

/** Literal values one option of a discriminated union accepts for the discriminator. */
function optionTags(union: SchemaDef, option: unknown): unknown[] {
  return defOf(unwrapSchema(defOf(unwrapSchema(option))?.shape?.[union.discriminator ?? '']))?.values ?? [];
}

/** Every value a discriminated union accepts for its discriminator. */
function discriminatorValues(union: SchemaDef): string[] {
  return (union.options ?? []).flatMap((o) => optionTags(union, o).map(String));
}

/**
 * The schema at `p`, descending into lists and mappings; a discriminated
 * union (the `sinks` entries) resolves to the option the raw input's
 * discriminator names. Undefined when the path leaves the schema.
 */
function schemaAt(p: readonly PathSeg[], raw: unknown): unknown {
  let s: unknown = siteConfigSchema;
  let value: unknown = raw;
  for (let i = 0; i <= p.length; i++) {
    s = unwrapSchema(s);
    let def = defOf(s);
    if (def?.type === 'union' && def.discriminator !== undefined) {
      const tag = (value as Record<string, unknown> | null | undefined)?.[def.discriminator];
      const union = def;
      s = unwrapSchema(union.options?.find((o) => optionTags(union, o).includes(tag)));
      def = defOf(s);
    }
    if (i === p.length) return s;
    const seg = p[i]!;
    if (def?.type === 'object' && typeof seg === 'string' && def.shape !== undefined) s = def.shape[seg];
    else if (def?.type === 'array' && typeof seg === 'number') s = def.element;
    else return undefined;
    if (s === undefined) return undefined;
    value = (value as Record<string | number, unknown> | null | undefined)?.[seg];
  }
  return s;
}

/** Known keys of the schema object at `p` (for "did you mean"); empty when unknown. */
function knownKeysAt(p: readonly PathSeg[], raw: unknown): string[] {
  const def = defOf(schemaAt(p, raw));
  return def?.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : [];
}

/**
 * The message for a discriminated-union entry whose discriminator (`type:`)
 * is missing or names no option: the accepted values, not "a mapping is
 * not accepted here". Undefined for other union failures.
 */
function discriminatorMessage(issue: z.core.$ZodIssue, raw: unknown): string | undefined {
  if (issue.code !== 'invalid_union' || issue.errors.length > 0) return undefined;
  const p = issue.path as PathSeg[];
  const entryPath = p.slice(0, -1);
  const def = defOf(unwrapSchema(schemaAt(entryPath.slice(0, -1), raw)));
  const union = def?.type === 'array' ? defOf(unwrapSchema(def.element)) : undefined;
  if (union?.type !== 'union' || union.discriminator === undefined || p[p.length - 1] !== union.discriminator) return undefined;
  let entry: unknown = raw;
  for (const seg of entryPath) entry = (entry as Record<string | number, unknown> | null | undefined)?.[seg];
  const tag = (entry as Record<string, unknown> | null | undefined)?.[union.discriminator];
  const known = discriminatorValues(union).join(', ');
  if (tag === undefined) return `is required (one of: ${known})`;
  return `${quote(tag)} is not one of: ${known}`;
}

function unknownKeyMessage(key: string, known: string[]): string {
  const best = closestName(key, known);
  if (best !== undefined) return `unknown key (did you mean "${best}"?)`;
  return known.length > 0 && known.length <= 12 ? `unknown key (known: ${known.join(', ')})` : 'unknown key';
}

/** Rule ids a sink filter can name: the detectors' and the agents' own. */
const SINK_RULE_IDS: readonly string[] = [...RULE_IDS, ...AGENT_RULE_IDS];

/**
 * What the cross-reference checks read: network names and the places that
 * name networks or rules. Entries the schema would refuse are null (their
 * type problem is reported already), so the checks also run on a file with
 * type errors and every problem is reported in one go.
 */
interface CrossReferences {
  networks: (string | null)[];
  segmentation: ({ from: string | null; to: string | null } | null)[];
  asnHosts: ((string | null)[] | null)[];
  suppressRules: (string | null)[];
  /** Each sink filter's rule id globs. */
  sinkRules: ((string | null)[] | null)[];
  /** Detector host lists that may name networks (`detectors.<rule>.allowed_clients`, ...): path and entry. */
  detectorHosts: { path: PathSeg[]; entry: string | null }[];
}

/** Entries of the detector options that take CIDRs or network names (HOST_LIST_OPTIONS). */
function detectorHostsOf(detectors: unknown): { path: PathSeg[]; entry: string | null }[] {
  const out: { path: PathSeg[]; entry: string | null }[] = [];
  if (detectors === null || typeof detectors !== 'object' || Array.isArray(detectors)) return out;
  for (const [rule, opts] of Object.entries(detectors as Record<string, unknown>)) {
    if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) continue;
    for (const key of HOST_LIST_OPTIONS) {
      const list = (opts as Record<string, unknown>)[key];
      if (!Array.isArray(list)) continue;
      list.forEach((v: unknown, i) => out.push({ path: ['detectors', rule, key, i], entry: typeof v === 'string' ? v : null }));
    }
  }
  return out;
}

function crossReferencesOf(cfg: z.output<typeof siteConfigSchema>): CrossReferences {
  return {
    networks: cfg.networks.map((n) => n.name),
    segmentation: cfg.segmentation.map((r) => ({ from: r.from, to: r.to })),
    asnHosts: cfg.asn_allowlists.map((a) => a.hosts),
    suppressRules: cfg.suppress.map((s) => s.rule),
    sinkRules: cfg.sinks.map((k) => [...k.rules]),
    detectorHosts: detectorHostsOf(cfg.detectors),
  };
}

/** The same from the raw YAML value of a file the schema refused. */
function crossReferencesOfRaw(raw: Record<string, unknown>): CrossReferences {
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const field = (v: unknown, k: string): unknown => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined);
  return {
    networks: list(raw.networks).map((n) => text(field(n, 'name'))),
    segmentation: list(raw.segmentation).map((r) => ({ from: text(field(r, 'from')), to: text(field(r, 'to')) })),
    asnHosts: list(raw.asn_allowlists).map((a) => (Array.isArray(field(a, 'hosts')) ? (field(a, 'hosts') as unknown[]).map(text) : null)),
    suppressRules: list(raw.suppress).map((s) => text(field(s, 'rule'))),
    sinkRules: list(raw.sinks).map((k) => (Array.isArray(field(k, 'rules')) ? (field(k, 'rules') as unknown[]).map(text) : null)),
    detectorHosts: detectorHostsOf(raw.detectors),
  };
}

/** Cross-reference checks the schema cannot express. */
function semanticProblems(refs: CrossReferences): { path: PathSeg[]; message: string }[] {
  const out: { path: PathSeg[]; message: string }[] = [];
  const names = new Set<string>();
  refs.networks.forEach((name, i) => {
    if (name === null) return;
    if (names.has(name)) out.push({ path: ['networks', i, 'name'], message: `"${name}" is already the name of another network` });
    names.add(name);
  });
  refs.segmentation.forEach((r, i) => {
    if (r === null) return;
    for (const side of ['from', 'to'] as const) {
      const v = r[side];
      if (v !== null && v !== '*' && v !== 'external' && !names.has(v))
        out.push({ path: ['segmentation', i, side], message: `"${v}" is not a configured network (or "*", "external")` });
    }
  });
  refs.asnHosts.forEach((hosts, i) => {
    hosts?.forEach((h, j) => {
      if (h !== null && !names.has(h) && typeof parseCidr(h) === 'string')
        out.push({ path: ['asn_allowlists', i, 'hosts', j], message: `"${h}" is neither a configured network nor a CIDR` });
    });
  });
  for (const { path, entry } of refs.detectorHosts) {
    // Entries of another shape are the schema's to refuse.
    if (entry !== null && looksLikeNetworkName(entry) && !names.has(entry) && typeof parseCidr(entry) === 'string')
      out.push({ path, message: `"${entry}" is neither a configured network nor a CIDR` });
  }
  refs.suppressRules.forEach((rule, i) => {
    if (rule === null) return;
    // Matched as the engine matches suppressions ("prefix*" or an exact id).
    if (!RULE_IDS.some((id) => ruleMatches(rule, id))) out.push({ path: ['suppress', i, 'rule'], message: `"${rule}" matches no rule id` });
  });
  // A sink filter naming no rule would silently deliver nothing. (Its network
  // names are not checked: a server's sinks may name networks its sensors
  // configure in their own files.)
  refs.sinkRules.forEach((rules, i) => {
    rules?.forEach((glob, j) => {
      if (glob === null) return;
      const re = globToRegExp(glob);
      if (SINK_RULE_IDS.some((id) => re.test(id))) return;
      const near = closestName(glob, SINK_RULE_IDS);
      out.push({ path: ['sinks', i, 'rules', j], message: `"${glob}" matches no rule id${near !== undefined ? ` (did you mean "${near}"?)` : ''}` });
    });
  });
  return out;
}

interface Checked {
  config: SiteConfig | null;
  problems: ConfigProblem[];
}

/** Validates YAML text; `file` is only used in messages. */
export function checkConfigText(text: string, file: string): Checked {
  const lc = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  for (const err of doc.errors) {
    const line = err.linePos?.[0]?.line ?? (err.pos !== undefined ? lc.linePos(err.pos[0]).line : 0);
    problems.push({ file, line, ...yamlProblem(doc, err) });
  }
  if (problems.length > 0) return { config: null, problems };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    return { config: null, problems: [{ file, line: unresolvedAliasLine(doc, lc), path: '', message: `YAML: ${(err as Error).message}` }] };
  }
  if (raw === null || raw === undefined) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { config: null, problems: [{ file, line: 1, path: '', message: 'the file must be a mapping of settings (key: value)' }] };
  }
  const parsed = siteConfigSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const p = issue.path as PathSeg[];
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeysAt(p, raw);
        for (const key of issue.keys) {
          const kp = [...p, key];
          problems.push({ file, line: lineOf(doc, lc, kp, true), path: formatPath(kp), message: unknownKeyMessage(key, known) });
        }
        continue;
      }
      problems.push({ file, line: lineOf(doc, lc, p), path: formatPath(p), message: discriminatorMessage(issue, raw) ?? issueMessage(issue) });
    }
    // Cross-references too, where the entries are readable: every problem in one go.
    const reported = new Set(problems.map((x) => x.path));
    for (const s of semanticProblems(crossReferencesOfRaw(raw as Record<string, unknown>))) {
      const path = formatPath(s.path);
      if (!reported.has(path)) problems.push({ file, line: lineOf(doc, lc, s.path), path, message: s.message });
    }
    problems.sort((a, b) => a.line - b.line);
    return { config: null, problems };
  }
  for (const s of semanticProblems(crossReferencesOf(parsed.data))) problems.push({ file, line: lineOf(doc, lc, s.path), path: formatPath(s.path), message: s.message });
  if (problems.length > 0) return { config: null, problems };
  return { config: deepFreeze(parsed.data) as SiteConfig, problems };
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}

function readConfig(file: string): string | ConfigProblem {
  const problem = (message: string): ConfigProblem => ({ file, line: 0, path: '', message });
  try {
    const st = fs.statSync(file);
    if (st.isDirectory()) return problem('cannot read the configuration: it is a directory, not a file');
    if (st.size > MAX_CONFIG_BYTES) return problem(`larger than ${MAX_CONFIG_BYTES} bytes; this is not a site config`);
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return problem(`cannot read the configuration: ${why}`);
  }
}

/**
 * The site configuration: defaults when `file` is undefined, else the file
 * validated. Throws ConfigError (PKT_ERR_CONFIG_INVALID, or
 * PKT_ERR_CONFIG_READ when the file cannot be read).
 */
export function loadConfig(file?: string): SiteConfig {
  if (file === undefined) return checkConfigText('', 'picket.yaml').config!;
  const text = readConfig(file);
  if (typeof text !== 'string') throw new ConfigError([text], 'PKT_ERR_CONFIG_READ');
  const r = checkConfigText(text, file);
  if (r.config === null) throw new ConfigError(r.problems);
  return r.config;
}

/** For `picket config check`: every problem as one line; empty when the file is valid. */
export function checkConfigFile(file: string): string[] {
  const text = readConfig(file);
  if (typeof text !== 'string') return [formatProblem(text)];
  return checkConfigText(text, file).problems.map(formatProblem);
}

/** Defaults only (no file), for tests and the CLI's `--no-config`. */
export function defaultConfig(): SiteConfig {
  return loadConfig();
}
