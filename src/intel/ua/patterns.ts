/**
 * User-agent pattern lists: the bundled assets/intel/user-agents.tsv and
 * malware-user-agents.tsv, and users' extra files
 * (`intel.user_agent_patterns`, `intel.malware_user_agent_patterns`). A line
 * is either `tool<TAB>pattern[<TAB>source[<TAB>note]]` (for malware the
 * first column is the family) or a bare pattern (the name is then the
 * pattern itself). Pattern syntax: plain text matches anywhere, `^text` at
 * the start, `^text$` the whole user-agent; always case-insensitive. `#`
 * starts a comment line; a header row ("tool" or "family", then "pattern")
 * is skipped. Lines that are not patterns are counted, never fatal.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PicketError } from '../../util/errors.js';

/** Longest pattern accepted: a user-agent is stored at most this long by the state (512). */
export const MAX_PATTERN_LENGTH = 512;
/** Shortest pattern accepted: shorter substrings match ordinary agents by accident. */
export const MIN_PATTERN_LENGTH = 3;

export type MatchKind = 'contains' | 'prefix' | 'exact';

export interface UaPattern {
  tool: string;
  /** The pattern as written (with ^ / $). */
  pattern: string;
  /** Lower-case text to look for. */
  text: string;
  kind: MatchKind;
  /** Attribution: the list file, or the Sigma rule and its author. */
  source: string;
  note?: string;
}

export interface PatternLoad {
  patterns: UaPattern[];
  /** Lines skipped, by reason. */
  skipped: Record<string, number>;
}

/** Parses one pattern text into its kind and lower-case needle, or a skip reason. */
export function parsePattern(raw: string): { text: string; kind: MatchKind } | string {
  let p = raw;
  let kind: MatchKind = 'contains';
  if (p.startsWith('^')) {
    p = p.slice(1);
    kind = 'prefix';
    if (p.endsWith('$')) {
      p = p.slice(0, -1);
      kind = 'exact';
    }
  }
  if (p.length < MIN_PATTERN_LENGTH) return 'pattern too short';
  if (p.length > MAX_PATTERN_LENGTH) return 'pattern too long';
  return { text: p.toLowerCase(), kind };
}

/** Parses list text; `defaultSource` is used when a line names none. */
export function parsePatternList(text: string, defaultSource: string): PatternLoad {
  const patterns: UaPattern[] = [];
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const cols = line.split('\t');
    if (cols.length === 1) {
      const parsed = parsePattern(cols[0]!);
      if (typeof parsed === 'string') skip(parsed);
      else patterns.push({ tool: cols[0]!, pattern: cols[0]!, ...parsed, source: defaultSource });
      continue;
    }
    const [tool, pattern, source, note] = cols as [string, string, string?, string?];
    if ((tool === 'tool' || tool === 'family') && pattern === 'pattern') continue;
    if (tool.trim() === '') {
      skip('no tool name');
      continue;
    }
    const parsed = parsePattern(pattern);
    if (typeof parsed === 'string') {
      skip(parsed);
      continue;
    }
    patterns.push({
      tool: tool.trim(),
      pattern,
      ...parsed,
      source: source !== undefined && source.trim() !== '' ? source.trim() : defaultSource,
      ...(note !== undefined && note.trim() !== '' ? { note: note.trim() } : {}),
    });
  }
  return { patterns, skipped };
}

export function loadPatternFile(file: string, defaultSource = path.basename(file)): PatternLoad {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new PicketError('PKT_ERR_UA_PATTERNS', `cannot read the user-agent pattern file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parsePatternList(text, defaultSource);
}
