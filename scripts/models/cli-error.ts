/**
 * The one error type of `npm run models`: its message is shown to the user as is (no stack),
 * and says what was refused, why, and what to do instead. Exit code 1; 2 for a usage error.
 */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

/** A command line the command cannot run (unknown flag, missing argument, bad value). */
export const usageError = (message: string) => new CliError(message, 2);
