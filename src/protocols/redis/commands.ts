/**
 * What a Redis command says, for the log: its name (container commands
 * such as CONFIG, MODULE, CLIENT and ACL take their sub-command as a second
 * word), and its arguments with every password replaced, so neither the
 * log nor a detector ever holds one.
 */

const CONTAINERS: ReadonlySet<string> = new Set(['ACL', 'CLIENT', 'CLUSTER', 'COMMAND', 'CONFIG', 'FUNCTION', 'LATENCY', 'MEMORY', 'MODULE', 'OBJECT', 'SCRIPT', 'SLOWLOG', 'XINFO', 'XGROUP']);
/** CONFIG SET parameters whose values are passwords. */
const SECRET_PARAMETERS: ReadonlySet<string> = new Set(['requirepass', 'masterauth', 'masteruser', 'tls-key-file-pass', 'tls-client-key-file-pass']);
export const REDACTED = '********';

export interface CommandParts {
  /** Upper-cased name ("GET", "CONFIG SET"). */
  name: string;
  /** The arguments after the name, passwords replaced. */
  args: string[];
  /** AUTH or HELLO ... AUTH: the user name it gives (undefined: the default user), and that it carries a password. */
  auth?: { user: string | undefined };
}

/** Splits `words` (the command as sent) into name and arguments, passwords replaced. */
export function commandParts(words: readonly string[]): CommandParts {
  const first = (words[0] ?? '').toUpperCase();
  let name = first;
  let rest = words.slice(1);
  if (CONTAINERS.has(first) && rest.length > 0) {
    name = `${first} ${rest[0]!.toUpperCase()}`;
    rest = rest.slice(1);
  }
  switch (name) {
    case 'AUTH':
      // AUTH password | AUTH username password
      if (rest.length >= 2) return { name, args: [rest[0]!, REDACTED], auth: { user: rest[0] } };
      return { name, args: rest.length > 0 ? [REDACTED] : [], auth: { user: undefined } };
    case 'HELLO': {
      const i = rest.findIndex((w) => w.toUpperCase() === 'AUTH');
      if (i < 0) return { name, args: rest };
      const args = rest.slice();
      if (i + 2 < args.length) args[i + 2] = REDACTED;
      return { name, args, auth: { user: rest[i + 1] } };
    }
    case 'MIGRATE': {
      const args = rest.slice();
      for (let i = 0; i < args.length; i++) {
        const w = args[i]!.toUpperCase();
        if (w === 'AUTH' && i + 1 < args.length) args[i + 1] = REDACTED;
        if (w === 'AUTH2' && i + 2 < args.length) args[i + 2] = REDACTED;
      }
      return { name, args };
    }
    case 'CONFIG SET': {
      const args = rest.slice();
      for (let i = 0; i + 1 < args.length; i += 2) if (SECRET_PARAMETERS.has(args[i]!.toLowerCase())) args[i + 1] = REDACTED;
      return { name, args };
    }
    case 'ACL SETUSER':
      // Rules ">password" and "#sha256" set passwords.
      return { name, args: rest.map((w) => (w.startsWith('>') || w.startsWith('#') || w.startsWith('<') || w.startsWith('!') ? `${w[0]}${REDACTED}` : w)) };
    default:
      return { name, args: rest };
  }
}
