/**
 * Transaction origins a room tells apart. A local client's change has its
 * Connection as origin (stored, then broadcast to everyone but it); a change
 * from another instance has this symbol (already stored there, broadcast
 * here, never published again).
 */
export const FROM_ANOTHER_INSTANCE = Symbol('another instance')
