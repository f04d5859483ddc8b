// Patron's browser SDK, ESM entry for bundlers. The script-tag build (standalone.ts) wraps the same code.
export { VERSION, type Patron, type PatronOptions, type RecommendationRequest } from './api';
export { createPatron } from './patron';
export { renderSlot, renderItem, safeUrl } from './slots';
export * from './wire';
