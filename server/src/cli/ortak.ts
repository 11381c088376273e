/** Process entry of the `ortak` command (server/bin/ortak.js); the commands are in run.ts. */
import { runOrtak } from './run.js'

const readStdin = async (): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const exitCode = await runOrtak(process.argv.slice(2), {
  env: process.env,
  readStdin,
  stdout: (chunk) => void process.stdout.write(chunk),
  stderr: (text) => void process.stderr.write(text),
})
// Not process.exit(): output still being flushed to a pipe must get out, and `serve` keeps running.
if (exitCode !== 0) process.exitCode = exitCode
