// The period the analyst picked in the header, as the analyst queries take it.

export interface Period {
  /** Milliseconds since the epoch, or undefined for all time. */
  from?: number;
  days?: number;
}

/** The `from=` parameter of a query (an ISO instant); empty for all time. */
export const since = (period: Period) => (period.from === undefined ? '' : `from=${new Date(period.from).toISOString()}`);

/** Periods over 120 days, and all time, go by week: a chart of a year's days has too many points to read. */
export const weekly = (period: Period) => period.days === undefined || period.days > 120;
