/** Process entry of `npm run token`; the command itself is token-command.ts. */
import { runTokenCommand } from './token-command.js'

const result = await runTokenCommand(process.argv.slice(2), process.env)
process.stdout.write(result.stdout)
process.stderr.write(result.stderr)
process.exitCode = result.exitCode
