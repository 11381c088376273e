/**
 * The `ortak` command line: finds the subcommand and runs it (runCommand
 * turns its failures into one line on stderr and an exit code).
 */
import { runCommand, type Command, type CommandIo } from './command.js'
import { compactCommand } from './compact-command.js'
import { exportCommand } from './export-command.js'
import { importCommand } from './import-command.js'
import { inspectCommand } from './inspect-command.js'
import { listCommand } from './list-command.js'
import { restoreCommand } from './restore-command.js'
import { serveCommand } from './serve-command.js'
import { tokenCommand } from './token-command.js'
import { versionsCommand } from './versions-command.js'

export const commands: readonly Command[] = [
  serveCommand, exportCommand, importCommand, listCommand, compactCommand, inspectCommand, versionsCommand, restoreCommand, tokenCommand,
]

export const USAGE = `Usage: ortak COMMAND [options]   (ortak COMMAND --help for its options)

Commands:
${commands.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n')}`

/** Runs one command line; resolves with the exit code. */
export async function runOrtak(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined) {
    io.stderr('ortak: missing command; run ortak --help to see the commands\n')
    return 2
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${USAGE}\n`)
    return 0
  }
  const command = commands.find((c) => c.name === name)
  if (!command) {
    io.stderr(`ortak: unknown command "${name}"; commands: ${commands.map((c) => c.name).join(', ')}\n`)
    return 2
  }
  return runCommand(command, rest, io)
}
