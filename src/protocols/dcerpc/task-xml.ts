/**
 * The facts of a task definition ([MS-TSCH] 2.5, the Task Scheduler schema)
 * an analyst needs from a SchRpcRegisterTask request: what the first Exec
 * action runs (Actions/Exec/Command and Arguments) and as whom
 * (Principals/Principal/UserId and RunLevel, of the first principal).
 *
 * A small non-validating reader, one pass over the text (which the caller
 * bounds): elements are matched by local name whatever their namespace
 * prefix, by where they sit (a Command outside Actions/Exec is not the
 * command); comments, processing instructions and declarations are skipped,
 * so a decoy in a comment is not taken; CDATA sections are text; the five
 * predefined entities and character references are decoded, others left as
 * written. Text is trimmed and cut at `MAX_FACT` characters. A document
 * that is not well formed where it is read (an unclosed construct, an end
 * tag that closes another element, nesting past `MAX_DEPTH`) gives no facts:
 * the Task Scheduler refuses it too. Never throws.
 */
import { MAX_STUB_COMMAND } from './consts.js';

export interface TaskXmlFacts {
  command?: string;
  arguments?: string;
  user?: string;
  run_level?: string;
}

/** Elements open at once: the schema nests about eight deep. */
const MAX_DEPTH = 64;
/** Characters kept of one fact: one more than the caller keeps, so it can mark the cut. */
const MAX_FACT = MAX_STUB_COMMAND + 1;

type Fact = keyof TaskXmlFacts;

const ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

/** `text` with its entity and character references decoded (unknown ones kept as written). */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/g, (all, ref: string) => {
    if (ref.startsWith('#')) {
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : all;
    }
    return ENTITIES.get(ref) ?? all;
  });
}

/** The local name of a tag's name ("t:Command" -> "Command"). */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** The fact an element at this place holds, given the local names open around it (`open`, outermost first). */
function factAt(open: readonly string[], name: string, firstExec: boolean, firstPrincipal: boolean): Fact | undefined {
  const n = open.length;
  const parent = open[n - 1];
  const grand = open[n - 2];
  if (parent === 'Exec' && grand === 'Actions' && firstExec) {
    if (name === 'Command') return 'command';
    if (name === 'Arguments') return 'arguments';
  }
  if (parent === 'Principal' && grand === 'Principals' && firstPrincipal) {
    if (name === 'UserId') return 'user';
    if (name === 'RunLevel') return 'run_level';
  }
  return undefined;
}

/** Index of the `>` closing a tag that starts at `from`, skipping quoted attribute values; -1 when there is none or a `<` comes first. */
function tagEnd(xml: string, from: number): number {
  let quote = 0;
  for (let i = from; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    // "<" is allowed nowhere in a tag, quoted or not.
    if (c === 0x3c) return -1;
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x22 || c === 0x27) {
      quote = c;
    } else if (c === 0x3e) {
      return i;
    }
  }
  return -1;
}

/** The facts of task definition `xml`; empty when it is not well formed where it was read. */
export function taskXmlFacts(xml: string): TaskXmlFacts {
  const facts: TaskXmlFacts = {};
  const open: string[] = [];
  let execs = 0;
  let principals = 0;
  /** The fact being read, the depth of its element and its text so far. */
  let fact: Fact | undefined;
  let factDepth = 0;
  let text = '';
  const add = (part: string): void => {
    if (fact !== undefined && text.length < MAX_FACT) text += part.length > MAX_FACT ? part.slice(0, MAX_FACT) : part;
  };
  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    if (lt < 0) break;
    if (lt > i && fact !== undefined) add(decodeEntities(xml.slice(i, lt)));
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) return {};
      i = end + 3;
    } else if (xml.startsWith('<![CDATA[', lt)) {
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) return {};
      if (fact !== undefined) add(xml.slice(lt + 9, end));
      i = end + 3;
    } else if (xml.startsWith('<?', lt)) {
      const end = xml.indexOf('?>', lt + 2);
      if (end < 0) return {};
      i = end + 2;
    } else if (xml.startsWith('<!', lt)) {
      const end = xml.indexOf('>', lt + 2);
      if (end < 0) return {};
      i = end + 1;
    } else if (xml.startsWith('</', lt)) {
      const end = xml.indexOf('>', lt + 2);
      if (end < 0) return {};
      const name = localName(xml.slice(lt + 2, end).trim());
      if (open.length === 0 || open[open.length - 1] !== name) return {};
      open.pop();
      if (fact !== undefined && open.length === factDepth) {
        // Its own flat copy: the parts were slices of the whole document.
        facts[fact] ??= Buffer.from(text.trim(), 'utf16le').toString('utf16le');
        fact = undefined;
        text = '';
      }
      i = end + 1;
    } else {
      const end = tagEnd(xml, lt + 1);
      if (end < 0) return {};
      const selfClosing = xml.charCodeAt(end - 1) === 0x2f;
      const head = xml.slice(lt + 1, selfClosing ? end - 1 : end);
      const space = head.search(/[\s]/);
      const name = localName(space < 0 ? head : head.slice(0, space));
      if (name === '') return {};
      if (name === 'Exec' && open[open.length - 1] === 'Actions') execs++;
      if (name === 'Principal' && open[open.length - 1] === 'Principals') principals++;
      const which = fact === undefined ? factAt(open, name, execs === 1, principals === 1) : undefined;
      if (which !== undefined && selfClosing) facts[which] ??= '';
      if (!selfClosing) {
        if (open.length >= MAX_DEPTH) return {};
        if (which !== undefined) {
          fact = which;
          factDepth = open.length;
          text = '';
        }
        open.push(name);
      }
      i = end + 1;
    }
  }
  // Unclosed elements at the end: the document was cut.
  return open.length === 0 ? facts : {};
}
