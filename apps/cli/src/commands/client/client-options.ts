import { type Command, InvalidArgumentError, Option } from 'commander';
import { API_KEY_ENV, URL_ENV } from '../../client/connection';

/** Adds --url and --api-key (with their environment fallbacks) to a service-client command. */
export function withConnectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--url <url>', `FleetSign service URL (default: $${URL_ENV})`))
    .addOption(new Option('--api-key <key>', `API key (default: $${API_KEY_ENV}; prefer the variable, flags show in ps)`))
    .addOption(
      new Option('--env-file <path>', `file with ${URL_ENV} and ${API_KEY_ENV} (e.g. the client.env of fleetsign init)`),
    );
}

/** An integer option within bounds. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return parsed;
  };
}

/** `--timeout <seconds>`: longest wait for the service, in seconds (1 s to 7 days). */
export function timeoutOption(defaultSeconds: number): Option {
  return new Option('--timeout <seconds>', 'longest wait for the service to finish, in seconds')
    .argParser(integerIn(1, 7 * 24 * 3600))
    .default(defaultSeconds);
}
