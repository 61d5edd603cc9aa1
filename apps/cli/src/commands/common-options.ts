import { Option } from 'commander';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { resolve } from 'node:path';

/** `-v, --version 1|2`: the Secure Boot version, as espsecure spells it. */
export function secureBootVersionOption(
  options: { required?: boolean; defaultVersion?: '1' | '2' } = {},
): Option {
  const option = new Option('-v, --version <version>', 'Secure Boot version of the signing scheme').choices([
    '1',
    '2',
  ]);
  if (options.defaultVersion) option.default(options.defaultVersion);
  if (options.required) option.makeOptionMandatory();
  return option;
}

/** Refuses an output path that is one of the inputs (a key file must never be overwritten). */
export function assertOutputIsNotInput(output: string, inputs: ReadonlyArray<string | undefined>): void {
  const target = resolve(output);
  for (const input of inputs)
    if (input !== undefined && resolve(input) === target)
      throw new FleetSignError(
        ErrorCode.InvalidArgument,
        `The input "${input}" and output "${output}" should not be the same`,
      );
}
