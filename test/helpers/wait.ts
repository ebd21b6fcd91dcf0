/**
 * Waits for a condition, never for a fixed time: checks it every few milliseconds and fails
 * with `what` only when it has not held for `timeoutMs` (generous: machines are busy).
 */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
