/**
 * Every protocol analyzer Picket ships, in the order ports are claimed.
 * Add a new analyzer here (see ARCHITECTURE.md, "Adding a parser").
 */
import type { ProtocolSpec } from './analyzer.js';

export const ALL_PROTOCOLS: readonly ProtocolSpec[] = [];
