/** @module Bounds on slow clients for the Node HTTP server (Node's defaults are 60 s and 300 s). */
import type { ServerOptions } from 'node:http'

/** A provider sends its headers at once; one that trickles them holds a socket for nothing. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 10_000
/** The whole request, body included: a 1 MiB webhook over a slow link is well under this. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000

/**
 * `TXGATE_HEADERS_TIMEOUT_MS` / `TXGATE_REQUEST_TIMEOUT_MS`; past either Node answers 408 and closes
 * the socket. Node checks them every `connectionsCheckingInterval` (30 s by default), so the check
 * runs at a tenth of the shorter bound instead.
 */
export function httpTimeouts(settings: Readonly<Record<string, string | undefined>>): ServerOptions {
  const headersTimeout = positive(settings['TXGATE_HEADERS_TIMEOUT_MS']) ?? DEFAULT_HEADERS_TIMEOUT_MS
  const requestTimeout = Math.max(
    headersTimeout,
    positive(settings['TXGATE_REQUEST_TIMEOUT_MS']) ?? DEFAULT_REQUEST_TIMEOUT_MS,
  )
  return {
    headersTimeout,
    requestTimeout,
    connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeout / 10))),
  }
}

function positive(raw: string | undefined): number | undefined {
  const n = Number(raw)
  return raw !== undefined && Number.isInteger(n) && n > 0 ? n : undefined
}
