/**
 * Events of the PostgreSQL analyzer. It writes no log of its own yet: the
 * login outcome goes out as an `auth` event (service "postgresql"), with the
 * StartupMessage's user and database in it.
 */

/** No PostgreSQL-specific events yet; nothing needs adding to the PicketEvent union. */
export type PostgresEvent = never;
