/** Validation of room names, which arrive in the WebSocket URL: `/ws/<room>`. */

export const MAX_ROOM_NAME_BYTES = 255

/** Returns the problem with a decoded room name, or null if it is acceptable. */
export function roomNameProblem(name: string): string | null {
  if (name.length === 0) return 'room name is empty'
  if (Buffer.byteLength(name) > MAX_ROOM_NAME_BYTES) return `room name is longer than ${MAX_ROOM_NAME_BYTES} bytes`
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'room name contains control characters'
  if (name === '.' || name === '..' || /[/\\]/.test(name)) return 'room name contains a path separator or is a relative path'
  if (name.trim() !== name) return 'room name starts or ends with whitespace'
  return null
}

/** Decodes the percent-encoded room segment of a URL path. */
export function decodeRoomSegment(segment: string): { name: string } | { problem: string } {
  let name: string
  try {
    name = decodeURIComponent(segment)
  } catch {
    return { problem: 'room name is not valid percent-encoding' }
  }
  const problem = roomNameProblem(name)
  return problem ? { problem } : { name }
}
