/**
 * The web console as one fastify plugin: opens the console store
 * (DIR/console.json), creates the first admin on first start (password from
 * PICKET_ADMIN_PASSWORD, else generated and reported once through `notices`),
 * mounts the console API at /api/v1/console and the built pages at /.
 */
import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { SiteConfig } from '../../config/schema.js';
import { PicketError } from '../../util/errors.js';
import type { ServerContext } from '../context.js';
import { ConsoleStore } from './console-store.js';
import { MIN_PASSWORD_LENGTH } from './password.js';
import { consoleRoutes } from './routes.js';
import { findWebDir, staticRoutes } from './static.js';

export const ADMIN_PASSWORD_ENV = 'PICKET_ADMIN_PASSWORD';
export const FIRST_ADMIN = 'admin';
/** Random bytes in a generated first password (128 bits, typed once, then changed or kept in a vault). */
const GENERATED_PASSWORD_BYTES = 16;

export interface ConsoleOptions {
  dataDir: string;
  configFile?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** The built pages; default: dist/web found from this module. */
  webDir?: string;
}

export interface ConsoleSetup {
  users: ConsoleStore;
  /** Lines for the operator (the generated admin password, once). */
  notices: string[];
  /**
   * Undoes what this start created (the first admin) when the server then
   * fails to start: a generated password that was never shown must not
   * stay the only way in.
   */
  undo(): Promise<void>;
}

/** Opens the console store and creates the first admin when there are no users. */
export async function setUpConsole(opts: ConsoleOptions): Promise<ConsoleSetup> {
  const users = ConsoleStore.open(opts.dataDir);
  const notices: string[] = [];
  let created = false;
  if (users.users().length === 0) {
    created = true;
    const env = opts.env ?? process.env;
    const given = env[ADMIN_PASSWORD_ENV];
    if (given !== undefined && given !== '') {
      if (given.length < MIN_PASSWORD_LENGTH) throw new PicketError('PKT_ERR_CONSOLE_PASSWORD', `${ADMIN_PASSWORD_ENV} must have at least ${MIN_PASSWORD_LENGTH} characters`);
      await users.createUser(FIRST_ADMIN, given, 'admin');
      notices.push(`console user "${FIRST_ADMIN}" created with the password from ${ADMIN_PASSWORD_ENV}`);
    } else {
      const pw = crypto.randomBytes(GENERATED_PASSWORD_BYTES).toString('base64url');
      await users.createUser(FIRST_ADMIN, pw, 'admin');
      notices.push(`console user "${FIRST_ADMIN}" created with password ${pw} (shown only this once)`);
    }
  }
  const undo = async (): Promise<void> => {
    if (created) await users.deleteUser(FIRST_ADMIN);
  };
  return { users, notices, undo };
}

export async function registerConsole(
  app: FastifyInstance,
  opts: { ctx: ServerContext; setup: ConsoleSetup; config: SiteConfig; configFile: string | undefined; secure: boolean; webDir?: string; apiPrefix: string },
): Promise<void> {
  await app.register(consoleRoutes, { prefix: `${opts.apiPrefix}/console`, ctx: opts.ctx, users: opts.setup.users, config: opts.config, configFile: opts.configFile, secure: opts.secure });
  await app.register(staticRoutes, { root: opts.webDir ?? findWebDir() });
}
