/**
 * Ortak's own WebSocket close codes. RFC 6455 leaves 4000-4999 to
 * applications; we follow the convention the y-websocket provider builds
 * on: 4400-4499 mirror HTTP 4xx (the server decided, and reconnecting
 * unchanged cannot help, so the provider stops retrying and emits
 * `closed`), 4500-4599 mirror 5xx (try again later: the provider
 * reconnects with backoff). The standard codes for bad frames (1002,
 * 1003, 1007, 1009, 1011, 1012) are in messages.ts.
 */

/** The access token is not a well-formed JWT, or lacks a claim Ortak needs. */
export const CLOSE_TOKEN_MALFORMED = 4400
/** No access token, or one that is expired, not yet valid or wrongly signed: get a new one. */
export const CLOSE_TOKEN_INVALID = 4401
/** The token is valid but does not grant this room. */
export const CLOSE_ROOM_FORBIDDEN = 4403
/** A connection with a `read` token sent a document update. */
export const CLOSE_READ_ONLY = 4405
/** The update would take the document past its size limit. */
export const CLOSE_DOCUMENT_TOO_LARGE = 4413
/** The room was deleted (through the HTTP API): reconnecting would only store the client's copy again. */
export const CLOSE_ROOM_DELETED = 4410
/**
 * The connection sent more messages or bytes per second than allowed. In
 * the retry range: the client reconnects after a backoff and resends what
 * the server lacks, so a burst costs a pause, never an edit.
 */
export const CLOSE_RATE_LIMITED = 4529
/** The server or the room is at a connection or room limit: try again later. */
export const CLOSE_SERVER_FULL = 4503
/** The client did not read what it was sent fast enough: its send buffer passed the limit. */
export const CLOSE_SLOW_CONSUMER = 4508

/** Why a connection is refused or closed: a close code and a reason a developer can act on. */
export interface Refusal {
  code: number
  reason: string
}
