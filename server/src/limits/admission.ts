/**
 * Whether one more connection fits: connections in total and per room,
 * and rooms loaded at once. A full room table is not a refusal while some
 * room is idle (no connections, waiting out its unload grace): the
 * registry unloads the one idle longest to make space.
 */
import { CLOSE_SERVER_FULL, type Refusal } from '@ortak/protocol'

export interface AdmissionLimits {
  maxConnections: number
  maxConnectionsPerRoom: number
  maxLoadedRooms: number
}

export interface Occupancy {
  connections: number
  /** Connections of the room asked for; 0 if it is not loaded. */
  roomConnections: number
  isRoomLoaded: boolean
  /** Rooms in memory, not counting those already being unloaded. */
  loadedRooms: number
  idleRooms: number
}

/** Why a connection cannot be admitted now, or null if it can. */
export function admissionRefusal(now: Occupancy, limits: AdmissionLimits): Refusal | null {
  if (now.connections >= limits.maxConnections) {
    return { code: CLOSE_SERVER_FULL, reason: `server is at its limit of ${limits.maxConnections} connections; try again later` }
  }
  if (now.roomConnections >= limits.maxConnectionsPerRoom) {
    return { code: CLOSE_SERVER_FULL, reason: `room is at its limit of ${limits.maxConnectionsPerRoom} connections; try again later` }
  }
  if (!now.isRoomLoaded && now.loadedRooms >= limits.maxLoadedRooms && now.idleRooms === 0) {
    return { code: CLOSE_SERVER_FULL, reason: `server is at its limit of ${limits.maxLoadedRooms} open rooms, none idle; try again later` }
  }
  return null
}
