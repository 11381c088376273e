/**
 * The WebSocket close codes Ortak's server sends, each with its meaning and
 * whether a client should reconnect.
 *
 * RFC 6455 leaves 4000-4999 to applications; Ortak follows the convention
 * the y-websocket provider builds on: 4400-4499 mirror HTTP 4xx (the server
 * decided, and reconnecting unchanged cannot help, so the provider stops
 * retrying and emits `closed`), 4500-4599 mirror 5xx (try again later: the
 * provider reconnects with backoff). Bad frames get the standard 1xxx codes.
 */

/** The frame is not a y-websocket message (unknown type, trailing bytes, a message only servers send). */
export const CLOSE_PROTOCOL_ERROR = 1002
/** A text frame: y-websocket messages are binary. */
export const CLOSE_UNSUPPORTED_DATA = 1003
/** The message is well framed but its content is not valid (an update Yjs cannot decode). */
export const CLOSE_INVALID_PAYLOAD = 1007
/** The frame is larger than the server accepts. */
export const CLOSE_MESSAGE_TOO_BIG = 1009
/** The server failed (storage, loading): what the client sent was not stored and is sent again on reconnect. */
export const CLOSE_INTERNAL_ERROR = 1011
/** The server is restarting or unloading the room. */
export const CLOSE_SERVICE_RESTART = 1012
/** The room cannot take connections this moment (it is being deleted). */
export const CLOSE_TRY_AGAIN_LATER = 1013
/** The access token is not a well-formed JWT, or lacks a claim Ortak needs. */
export const CLOSE_TOKEN_MALFORMED = 4400
/** No access token, or one that is expired, not yet valid or wrongly signed: get a new one. */
export const CLOSE_TOKEN_INVALID = 4401
/** The token is valid but does not grant this room. */
export const CLOSE_ROOM_FORBIDDEN = 4403
/** A connection with a `read` token sent a document update. */
export const CLOSE_READ_ONLY = 4405
/**
 * The connection wrote awareness (a cursor) for a client id another user
 * announced: a stock provider only ever writes its own.
 */
export const CLOSE_AWARENESS_ID_TAKEN = 4409
/** The room was deleted (through the HTTP API): reconnecting would only store the client's copy again. */
export const CLOSE_ROOM_DELETED = 4410
/** The update would take the document past its size limit. */
export const CLOSE_DOCUMENT_TOO_LARGE = 4413
/**
 * The update puts into the document a node, mark or attribute the schema
 * does not know (an editor with another schema): Ortak's editor would
 * destroy it, so it is not stored. As HTTP 415, content in a form this
 * server does not take (the HTTP API answers such an update 422).
 */
export const CLOSE_UNKNOWN_CONTENT = 4415
/**
 * The update depends on changes the room never received, and the room
 * already keeps as many such waiting changes as it may (MAX_PENDING_BYTES).
 */
export const CLOSE_MISSING_DEPENDENCIES = 4422
/** The server or the room is at a connection or room limit: try again later. */
export const CLOSE_SERVER_FULL = 4503
/** The client did not read what it was sent fast enough: its send buffer passed the limit. */
export const CLOSE_SLOW_CONSUMER = 4508
/**
 * The connection sent more messages or bytes per second than allowed. In
 * the retry range: the client reconnects after a backoff and resends what
 * the server lacks, so a burst costs a pause, never an edit.
 */
export const CLOSE_RATE_LIMITED = 4529

export interface CloseCodeInfo {
  /** What the close means, for logs and documentation. */
  meaning: string
  /**
   * Set when the server closed the connection because of what the client
   * sent or lacked: the reason's name, as counted in the server's metrics.
   * Absent for closes that are the server's own doing (shutdown, unload,
   * deletion, a fault).
   */
  refusal?: string
}

/** Every close code the server sends. */
export const CLOSE_CODES: ReadonlyMap<number, CloseCodeInfo> = new Map<number, CloseCodeInfo>([
  [CLOSE_PROTOCOL_ERROR, { meaning: 'not a y-websocket message', refusal: 'protocol_error' }],
  [CLOSE_UNSUPPORTED_DATA, { meaning: 'text frames are not supported', refusal: 'text_frame' }],
  [CLOSE_INVALID_PAYLOAD, { meaning: 'the message content is invalid', refusal: 'invalid_payload' }],
  [CLOSE_MESSAGE_TOO_BIG, { meaning: 'frame too large', refusal: 'frame_too_big' }],
  [CLOSE_INTERNAL_ERROR, { meaning: 'server error: unstored changes are sent again after reconnecting' }],
  [CLOSE_SERVICE_RESTART, { meaning: 'server restarting or room unloaded' }],
  [CLOSE_TRY_AGAIN_LATER, { meaning: 'room busy (being deleted): try again' }],
  [CLOSE_TOKEN_MALFORMED, { meaning: 'access token malformed', refusal: 'token_malformed' }],
  [CLOSE_TOKEN_INVALID, { meaning: 'access token missing, expired or invalid', refusal: 'token_invalid' }],
  [CLOSE_ROOM_FORBIDDEN, { meaning: 'access token does not grant this room', refusal: 'room_forbidden' }],
  [CLOSE_READ_ONLY, { meaning: 'read-only access: document updates refused', refusal: 'read_only' }],
  [CLOSE_AWARENESS_ID_TAKEN, { meaning: 'awareness client id belongs to another user', refusal: 'awareness_id_taken' }],
  [CLOSE_ROOM_DELETED, { meaning: 'room deleted' }],
  [CLOSE_DOCUMENT_TOO_LARGE, { meaning: 'document size limit reached', refusal: 'document_too_large' }],
  [CLOSE_UNKNOWN_CONTENT, { meaning: 'content the document schema does not know', refusal: 'unknown_content' }],
  [CLOSE_MISSING_DEPENDENCIES, { meaning: 'update depends on changes the room never received, past its limit', refusal: 'missing_dependencies' }],
  [CLOSE_SERVER_FULL, { meaning: 'connection or room limit reached: try again later', refusal: 'server_full' }],
  [CLOSE_SLOW_CONSUMER, { meaning: 'slow consumer: too much waiting to be sent', refusal: 'slow_consumer' }],
  [CLOSE_RATE_LIMITED, { meaning: 'rate limit: too many messages or bytes per second', refusal: 'rate_limited' }],
])

/**
 * Whether a client should reconnect after the server closed its connection
 * with `code`: not for 4400-4499, where the same request would be refused
 * again. This is the stock y-websocket provider's own rule.
 */
export const shouldReconnect = (code: number): boolean => !(code >= 4400 && code < 4500)

/** Why a connection is refused or closed: a close code and a reason a developer can act on. */
export interface Refusal {
  code: number
  reason: string
}
