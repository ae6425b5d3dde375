/** The part of the `braintree` SDK (which ships no types) the Braintree case and test call. */
declare module 'braintree' {
  type Notification = { bt_signature: string; bt_payload: string }
  namespace braintree {
    class BraintreeGateway {
      constructor(config: { environment: unknown; merchantId: string; publicKey: string; privateKey: string })
      webhookTesting: {
        /** `publicKey|hex HMAC-SHA1(SHA-1(privateKey), payload)`, what sampleNotification signs with. */
        sampleSignature(payload: string): string
        sampleNotification(kind: string, id: string, sourceMerchantId?: string): Notification
      }
      webhookNotification: {
        /** Rejects with InvalidSignatureError when the signature does not verify. */
        parse(signature: string, payload: string): Promise<{ kind: string; timestamp: Date }>
        /** The endpoint-verification answer `publicKey|hex HMAC-SHA1(SHA-1(privateKey), challenge)`; throws on a non-hex challenge. */
        verify(challenge: string): string
      }
    }
    const Environment: { Sandbox: unknown; Production: unknown }
  }
  export default braintree
}
