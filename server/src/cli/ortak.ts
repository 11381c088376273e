/** Process entry of the `ortak` command (server/bin/ortak.js); the commands are in run.ts. */
import { runCommand, type CommandIo } from './command.js'

const readStdin = async (): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const io: CommandIo = {
  env: process.env,
  readStdin,
  stdout: (chunk) => void process.stdout.write(chunk),
  stderr: (text) => void process.stderr.write(text),
}
const [name, ...rest] = process.argv.slice(2)
// `ortak serve` is the server process: it starts without reading the other commands' modules
// (documents, the HTTP client), which would only delay the moment it listens.
const run = async (): Promise<number> => {
  if (name === 'serve') {
    const { serveCommand } = await import('./serve-command.js')
    return runCommand(serveCommand, rest, io)
  }
  const { runOrtak } = await import('./run.js')
  return runOrtak(process.argv.slice(2), io)
}
// Not process.exit(): output still being flushed to a pipe must get out, and `serve` keeps running.
void run().then((exitCode) => {
  if (exitCode !== 0) process.exitCode = exitCode
})
