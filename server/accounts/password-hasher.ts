import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import type { PasswordHashParams } from '../config';
import { unavailable } from '../http/errors';
import { Gate, GateFull } from '../lib/gate';

/**
 * argon2id behind a small bounded queue. Each hash takes ~20 MiB and tens of ms of CPU;
 * running at most `concurrency` at once keeps a login flood from eating the machine and
 * from starving other requests, and a full queue answers 503 at once instead of letting
 * waiting requests pile up without end.
 */
export class PasswordHasher {
  readonly #gate: Gate;
  #dummyHash: Promise<string> | undefined;

  constructor(
    private readonly params: PasswordHashParams,
    concurrency: number,
    queueMax: number,
  ) {
    this.#gate = new Gate(concurrency, queueMax);
  }

  #options() {
    return { type: argon2.argon2id as 2, ...this.params };
  }

  async #slot<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.#gate.run(work);
    } catch (err) {
      if (err instanceof GateFull) throw unavailable(2);
      throw err;
    }
  }

  hash(password: string): Promise<string> {
    return this.#slot(() => argon2.hash(password, this.#options()));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    return this.#slot(async () => {
      try {
        return await argon2.verify(hash, password);
      } catch {
        return false; // a malformed stored hash never matches
      }
    });
  }

  /**
   * Verifies against a throwaway hash with the same parameters, so that an unknown
   * pseudonym costs the same time as a wrong password and timing tells them apart no better.
   */
  async verifyDummy(password: string): Promise<false> {
    this.#dummyHash ??= argon2.hash(randomBytes(32).toString('hex'), this.#options());
    await this.verify(await this.#dummyHash, password);
    return false;
  }

  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, this.params);
    } catch {
      return true;
    }
  }
}
