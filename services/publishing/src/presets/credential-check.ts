import type { Transaction } from './presets.repository';

/** Whether a credential is one of the user's for a platform (the seam between presets and credentials). */
export interface CredentialCheck {
  belongsTo(tx: Transaction, userId: string, platform: string, credentialId: string): Promise<boolean>;
}

export const CREDENTIAL_CHECK = Symbol('CREDENTIAL_CHECK');
