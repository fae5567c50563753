/**
 * What every `eddydb` command shares about its command line: the usage error (exit code 2, mongod's
 * EXIT_BADOPTIONS) and the reading of `--name value` / `--name=value` options with boost's messages, as mongod
 * words them. Nothing here loads a server or a driver, so a bad command line answers at once.
 */

/** A command line that cannot be run; main prints the message and exits with `exitCode`. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** How an option takes its value: `flag` takes none; the others take one, which the command checks. */
export type OptionKind = 'string' | 'port' | 'number' | 'flag';

/** The command line read, before any option is checked: the options in the order given, and the positionals. */
export interface ReadCommandLine {
  /** `-h` was seen: the command answers with its help, whatever else the line holds. */
  help: boolean;
  options: { name: string; value: string | true }[];
  positionals: string[];
}

export function invalidArgument(option: string, value: string): UsageError {
  return new UsageError(`Error parsing command line: the argument ('${value}') for option '--${option}' is invalid`);
}

/**
 * Splits `args` into options known to `kinds` and at most `maxPositionals` positional arguments. Throws
 * UsageError for an unknown option, a flag given a value, a missing value or one positional too many.
 */
export function readCommandLine(args: readonly string[], kinds: Readonly<Record<string, OptionKind>>, maxPositionals = 0): ReadCommandLine {
  const read: ReadCommandLine = { help: false, options: [], positionals: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '-h') {
      read.help = true;
      return read;
    }
    if (!arg.startsWith('--')) {
      if (read.positionals.length >= maxPositionals) {
        throw new UsageError('Error parsing command line: too many positional options have been specified on the command line');
      }
      read.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined;
    if (kind === undefined) throw new UsageError(`Error parsing command line: unrecognised option '--${name}'`);
    if (kind === 'flag') {
      if (eq >= 0) throw new UsageError(`Error parsing command line: option '--${name}' does not take any arguments`);
      read.options.push({ name, value: true });
      continue;
    }
    const value: string | undefined = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) {
      throw new UsageError(`Error parsing command line: the required argument for option '--${name}' is missing`);
    }
    read.options.push({ name, value });
  }
  return read;
}
