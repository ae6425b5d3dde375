/** @module RSA signature with a certificate fetched from an allow-listed URL (PayPal's scheme). */
import { unauthorized } from './outcome.ts'
import type { CertSignatureScheme, RequestToVerify, VerifyEnv, VerifyOutcome } from './types.ts'

export async function verifyCertSignature(
  _scheme: CertSignatureScheme,
  _req: RequestToVerify,
  _env: VerifyEnv,
): Promise<VerifyOutcome> {
  return unauthorized('bad_certificate', 'not implemented yet')
}
