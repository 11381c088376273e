/** `ortak token`: mints an access token; the command itself is the security module's (auth/token-command.ts). */
import { runTokenCommand } from '../auth/token-command.js'
import { UsageError, type Command } from './command.js'

export const tokenCommand: Command = {
  name: 'token',
  summary: 'print an access token (JWT) for a room',
  usage: '',

  async run(argv, io) {
    const result = await runTokenCommand(argv, io.env)
    const asOrtak = (text: string) => text.replaceAll('npm run token --', 'ortak token')
    if (result.exitCode === 2) {
      // Its own report is the problem followed by the usage; the command line keeps to one line.
      throw new UsageError(result.stderr.split('\n')[0]!.replace(/^token: /, ''))
    }
    io.stdout(asOrtak(result.stdout))
    io.stderr(asOrtak(result.stderr))
    if (result.exitCode !== 0) process.exitCode = result.exitCode
  },
}
