/**
 * The database cannot serve now, through no fault of the request: away, or unable to write.
 * 57P0x: shutting down or terminated; 57014: a statement ran past its timeout; 08xxx:
 * connection exceptions; 53xxx: out of disk, memory or connections; 55000 at connect:
 * not accepting connections; 3D000: gone; class 25: read-only (a standby, or
 * default_transaction_read_only during maintenance); 40001 / 40P01: a conflict to retry.
 */
const DB_UNAVAILABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND',
  '57P01', '57P02', '57P03', '57014', '08000', '08001', '08003', '08004', '08006',
  '53000', '53100', '53200', '53300', '53400', '55000', '3D000', '40001', '40P01',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (DB_UNAVAILABLE.has(code) || code.startsWith('25'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|read-only transaction/i.test(err.message);
}
