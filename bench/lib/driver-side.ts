/** The driver's end of the IPC channel: its options, commands from the orchestrator, reports back. */

export const driverOptions = <T>(): T => JSON.parse(process.argv[2] ?? '{}') as T

export function report(type: string, body: Record<string, unknown> = {}): void {
  process.send?.({ type, ...body })
}

type Handler = (command: Record<string, unknown>) => void | Promise<void>
const handlers = new Map<string, Handler>()

/** Registers what to do on a command; a handler that throws reports the error and ends the driver. */
export function onCommand(type: string, handler: Handler): void {
  handlers.set(type, handler)
}

export function fail(error: unknown): never {
  report('error', { message: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) })
  process.exit(1)
}

process.on('message', (message: { type: string }) => {
  const handler = handlers.get(message.type)
  if (!handler) fail(new Error(`unknown command ${message.type}`))
  Promise.resolve(handler(message as Record<string, unknown>)).catch(fail)
})
// Every y-websocket provider adds an exit listener; a driver holds many providers.
process.setMaxListeners(0)
// The orchestrator went away: nothing left to drive.
process.on('disconnect', () => process.exit(0))
process.on('SIGTERM', () => process.exit(0))
process.on('uncaughtException', fail)
process.on('unhandledRejection', fail)
