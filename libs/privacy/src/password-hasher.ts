import argon2 from 'argon2';

/** argon2id as OWASP recommends it (m=19 MiB, t=2, p=1). Changing these makes `needsRehash` true for older hashes. */
export const PASSWORD_HASH_PARAMETERS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** PHC strings: `$argon2id$v=19$m=19456,p=1,t=2$<salt>$<hash>` (parameters in any order). */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly parameters: { memoryCost: number; timeCost: number; parallelism: number } = PASSWORD_HASH_PARAMETERS) {}

  hash(password: string): Promise<string> {
    return argon2.hash(password, { type: argon2.argon2id, ...this.parameters });
  }

  /** Constant-time verification by argon2. A malformed hash is simply "no". */
  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /**
   * Spends the same time as a real verification, for an email that has no account: login must not reveal which
   * emails exist by answering faster.
   */
  async verifyAgainstDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash('dummy password that no one has');
    await this.verify(await this.dummyHash, password);
    return false;
  }

  needsRehash(hash: string): boolean {
    const match = /^\$argon2id\$v=19\$([a-z]=\d+(?:,[a-z]=\d+)*)\$/.exec(hash);
    if (!match) return true;
    const parameters = Object.fromEntries(match[1]!.split(',').map((pair) => [pair[0], Number(pair.slice(2))]));
    return parameters.m !== this.parameters.memoryCost || parameters.t !== this.parameters.timeCost || parameters.p !== this.parameters.parallelism;
  }
}
