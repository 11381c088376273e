export * from './message-types.js'
export * from './close-codes.js'
export { encodeStored, readStoredCount, isDocumentMessage } from './stored-ack.js'
