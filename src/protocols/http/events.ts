/** Events of the http analyzer (placeholder until the analyzer lands). */
export type HttpEvent = never;
