/**
 * The reference server, @y/websocket-server 0.1.1, exactly as its own
 * `src/server.js` runs it (same `ws` and y-leveldb copies it depends on,
 * same `setupWSConnection`, persistence enabled by YPERSISTENCE), except
 * that it listens on PORT 0 when asked and logs the bound port as a JSON
 * line so the bench can find it.
 */
import http from 'node:http'
import { createRequire } from 'node:module'
import { setupWSConnection } from '@y/websocket-server/utils'

// Resolve `ws` from the reference package itself, as its server.js does.
const requireFromReference = createRequire(createRequire(import.meta.url).resolve('@y/websocket-server/utils'))
const WebSocket = requireFromReference('ws')

const wss = new WebSocket.Server({ noServer: true })
const host = process.env.HOST || 'localhost'
const port = Number.parseInt(process.env.PORT || '1234')

const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain' })
  response.end('okay')
})

wss.on('connection', setupWSConnection)

server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => {
    wss.emit('connection', ws, request)
  })
})

server.listen(port, host, () => {
  console.log(JSON.stringify({ msg: 'reference listening', host, port: server.address().port }))
})
