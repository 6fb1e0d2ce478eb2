/**
 * Events of the SQL Server (TDS) analyzer. It writes no log of its own (Zeek
 * has none for TDS): the login outcome goes out as an `auth` event (service
 * "mssql") with the login's user, and its client host and application names
 * in the detail.
 */

/** No TDS-specific events; nothing needs adding to the PicketEvent union. */
export type TdsEvent = never;
