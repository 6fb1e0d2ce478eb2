/**
 * Events of the Telnet analyzer. It writes no log of its own: login
 * outcomes read from the clear-text dialogue go out as `auth` events
 * (service "telnet").
 */

/** No Telnet-specific events yet; nothing needs adding to the PicketEvent union. */
export type TelnetEvent = never;
