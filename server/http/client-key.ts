import { createHmac } from 'node:crypto';

/**
 * A stand-in for the client's address that is useless off this server and after today:
 * HMAC(daily key, address), where the daily key is derived from the server secret and
 * the UTC date. Rate limits key on it; the raw address is never stored or logged.
 */
export function createClientKey(serverSecret: string) {
  let day = '';
  let dailyKey = Buffer.alloc(0);
  return (address: string): string => {
    const today = new Date().toISOString().slice(0, 10);
    if (today !== day) {
      day = today;
      dailyKey = createHmac('sha256', serverSecret).update(`client-key:${today}`).digest();
    }
    return createHmac('sha256', dailyKey).update(address).digest('base64url').slice(0, 22);
  };
}
