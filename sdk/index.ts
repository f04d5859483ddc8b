// Patron's browser SDK, ESM entry for bundlers. The script-tag build (standalone.ts) wraps the same code.
export { createPatron, VERSION, type Patron, type PatronOptions, type RecommendationRequest } from './patron';
export { renderSlot, renderItem, safeUrl } from './slots';
export * from './wire';
