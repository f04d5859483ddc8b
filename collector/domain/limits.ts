// How much one event, one batch and one field may hold: Segment's documented limits where it has them, so a
// client written for Segment never meets a smaller one here.

export const LIMITS = {
  eventBytes: 32 * 1024,
  batchBytes: 500 * 1024,
  batchEvents: 2500,
  idLength: 200,
  /** Objects and arrays nested deeper than this in one event are refused (they cannot be stored safely). */
  depth: 32,
  stringLength: 8192,
  /** How much of a rejected event the quarantine keeps: its first characters as it arrived. */
  quarantinedChars: 2000,
  /** Events dated before this or more than a day ahead of the collector's clock are rejected. */
  earliestTimestamp: Date.UTC(2000, 0, 1),
  futureToleranceMs: 86_400_000,
};
