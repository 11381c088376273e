/**
 * Message types of the y-websocket protocol (y-protocols' `sync.js` and the
 * provider's `messageHandlers`), plus Ortak's own. One WebSocket binary frame
 * holds one message: a varUint message type followed by its body.
 */

export const MESSAGE_SYNC = 0
export const MESSAGE_AWARENESS = 1
export const MESSAGE_AUTH = 2
export const MESSAGE_QUERY_AWARENESS = 3
/**
 * Ortak's own message, `[varUint 100][varUint N]`: "the server has durably
 * stored the first N document messages you sent on this connection". Sent
 * only to connections that asked for it with `?ack=1`; stock y-websocket
 * clients never see it.
 */
export const MESSAGE_STORED = 100

/** The second varUint of a MESSAGE_SYNC frame. */
export const SYNC_STEP_1 = 0
export const SYNC_STEP_2 = 1
export const SYNC_UPDATE = 2
