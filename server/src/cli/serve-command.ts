/** `ortak serve`: the server process itself (what `npm start` runs), with the settings of config.ts as flags. */
import { settings } from '../config.js'
import type { Command } from './command.js'

const formatDefault = (value: unknown) =>
  value === null ? 'none' : Array.isArray(value) ? (value.length === 0 ? 'none' : value.join(',')) : String(value)

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the server (what npm start runs)',
  usage: `Usage: ortak serve [options]

Runs the Ortak server: HTTP, the document API and WebSocket rooms. Stops
cleanly on SIGTERM or SIGINT. Every option can also be set by its
environment variable; options win.

${settings.map((s) => `  ${s.flag.padEnd(26)} ${s.env} (default: ${formatDefault(s.default)})\n  ${' '.repeat(26)} ${s.description.replaceAll('`', '')}`).join('\n')}`,

  async run(argv, io) {
    if (argv.includes('--help') || argv.includes('-h')) return io.stdout(`${this.usage}\n`)
    // main.ts is the server process and reads its flags from process.argv: hand it ours.
    process.argv = [process.argv[0]!, process.argv[1]!, ...argv]
    await (await import('../main.js')).started
  },
}
