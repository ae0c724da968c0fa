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
