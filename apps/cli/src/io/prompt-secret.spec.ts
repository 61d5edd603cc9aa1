import { PassThrough } from 'node:stream';
import { ErrorCode, FleetSignError } from '@fleetsign/errors';
import { promptSecretFromTerminal } from './prompt-secret';

/** A stand-in terminal: a stream with isTTY and a recorded raw mode. */
function fakeTerminal(): {
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  written: () => string;
  rawModes: boolean[];
} {
  const rawModes: boolean[] = [];
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode(mode: boolean) {
      rawModes.push(mode);
      return input;
    },
  }) as unknown as NodeJS.ReadStream;
  let text = '';
  const output = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WriteStream;
  return { input, output, written: () => text, rawModes };
}

describe('promptSecretFromTerminal', () => {
  it('refuses when stdin is not a terminal', async () => {
    const input = new PassThrough() as unknown as NodeJS.ReadStream;
    const output = { write: () => true } as unknown as NodeJS.WriteStream;
    const err = await promptSecretFromTerminal('PIN: ', input, output).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FleetSignError);
    expect((err as FleetSignError).code).toBe(ErrorCode.InvalidConfig);
  });

  it('reads up to Enter without echo, handling backspace, and restores the terminal', async () => {
    const terminal = fakeTerminal();
    const answer = promptSecretFromTerminal('PIN: ', terminal.input, terminal.output);
    (terminal.input as unknown as PassThrough).write('12\u007f34\rignored');
    await expect(answer).resolves.toBe('134');
    expect(terminal.written()).toBe('PIN: \n');
    expect(terminal.rawModes).toEqual([true, false]);
  });

  it('rejects on Ctrl-C', async () => {
    const terminal = fakeTerminal();
    const answer = promptSecretFromTerminal('PIN: ', terminal.input, terminal.output);
    (terminal.input as unknown as PassThrough).write('99\u0003');
    await expect(answer).rejects.toThrow('PIN entry cancelled');
    expect(terminal.rawModes).toEqual([true, false]);
  });
});
