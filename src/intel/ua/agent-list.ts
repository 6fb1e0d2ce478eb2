/**
 * Lists of user-agent globs for configuration (`ua.unusual` library agents):
 * "python-requests/*" matches any version. Compiled once into one anchored,
 * case-insensitive expression.
 */
import { globToRegExp } from '../../config/fields.js';

export type AgentTest = (ua: string) => boolean;

export function compileAgentGlobs(globs: readonly string[]): AgentTest {
  if (globs.length === 0) return () => false;
  const body = globs.map((g) => globToRegExp(g).source.slice(1, -1)).join('|');
  const re = new RegExp(`^(?:${body})$`, 'i');
  return (ua) => re.test(ua);
}
