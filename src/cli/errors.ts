/** A usage error of the CLI: printed as one line, exit code 1. */
export class CliError extends Error {}
