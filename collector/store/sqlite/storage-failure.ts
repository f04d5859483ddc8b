// Failures of the disk itself, told apart from a bad record: a full disk (ENOSPC, SQLITE_FULL), or one that
// refuses writes. Those say nothing about what was being written, so it is kept for a later attempt, never
// skipped, and the caller hears "not now" (StorageUnavailable) rather than an internal error.

/** Why the disk failed `error`'s write, in words for the operator, or null when the error is not the disk's. */
export function storageFailureOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return `the disk is full (${code})`;
  if (code === 'EIO' || code === 'EROFS' || code.startsWith('SQLITE_IOERR')) return `the disk refuses writes (${code})`;
  return null;
}
