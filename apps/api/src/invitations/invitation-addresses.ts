import { Inject, Injectable } from '@nestjs/common';
import { EmailedTokens, LookupHasher, type MasterKey } from '@accounts/privacy';
import { MASTER_KEY } from '../infrastructure/tokens';

/**
 * What invitations are matched by, and the tokens they mail. The keyed hash of an invited address is what "one pending
 * invitation per address" and "the actor's address is the invited one" compare (the organization's state never holds
 * the address), and what erasing a person looks their pending invitations up by. A purpose of its own, so it is never
 * the suffix of the address's reservation stream.
 */
@Injectable()
export class InvitationAddresses {
  readonly tokens: EmailedTokens;
  private readonly hasher: LookupHasher;

  constructor(@Inject(MASTER_KEY) master: MasterKey) {
    this.tokens = new EmailedTokens(master);
    this.hasher = new LookupHasher(master, 'invitation-address/v1');
  }

  /** The keyed hash of a normalised address. */
  keyOf(normalisedEmail: string): string {
    return this.hasher.hash(normalisedEmail);
  }
}
