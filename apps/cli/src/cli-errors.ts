import type { CommandRunner } from 'nest-commander';

/**
 * Runs a CLI command's work; a failure is printed as one line (`error: …`) and makes the process exit with 1, so
 * scripts around the CLI can tell. The messages are the service's own (unknown projection, connection refused);
 * commands that handle personal data never put it in an error.
 */
export async function reportingErrors(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

/**
 * What a command that only groups subcommands does when none of them matched: alone, it shows its help (as an
 * error, exit 1); `help <subcommand>` shows that one's help (exit 0); anything else is an unknown command, printed
 * once by Commander (exit 1).
 */
export function helpOrUnknownCommand(command: CommandRunner['command'], [first, second]: string[]): void {
  if (first === undefined) command.help({ error: true });
  if (first === 'help') (command.commands.find((sub) => sub.name() === second) ?? command).help();
  command.error(`error: unknown command '${first}'`);
}
