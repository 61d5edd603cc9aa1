import { createCommandContext } from '../command-context';
import { ClientExit } from './client-exit';
import { failureLine, runClientCommand } from './run-client-command';

function capture() {
  let stderr = '';
  const context = createCommandContext({ stdout: () => undefined, stderr: (text) => (stderr += text) }, {});
  return { context, stderr: () => stderr };
}

describe('runClientCommand', () => {
  it('returns quietly on exit 0', async () => {
    const out = capture();
    const codes: number[] = [];
    await runClientCommand(out.context, { handleInterrupts: false, onExit: (code) => codes.push(code) }, async () => 0);
    expect({ stderr: out.stderr(), codes }).toEqual({ stderr: '', codes: [0] });
  });

  it('keeps a body exit code of 1 without printing', async () => {
    const out = capture();
    await expect(runClientCommand(out.context, { handleInterrupts: false }, async () => 1)).rejects.toEqual(new ClientExit(1));
    expect(out.stderr()).toBe('');
  });

  it('turns a failure into one redacted line and exit 2', async () => {
    const out = capture();
    out.context.secrets.add('fsk_secret');
    const failing = runClientCommand(out.context, { handleInterrupts: false }, async () => {
      throw new Error('HTTP 401 UNAUTHENTICATED: key fsk_secret\nis unknown');
    });
    await expect(failing).rejects.toMatchObject({ exitCode: 2 });
    expect(out.stderr()).toBe('fleetsign: HTTP 401 UNAUTHENTICATED: key *** is unknown\n');
  });

  it('reports an abort as an interruption, with the hint', async () => {
    const out = capture();
    const controller = new AbortController();
    const running = runClientCommand(
      out.context,
      { signal: controller.signal },
      async ({ signal }) => {
        controller.abort();
        signal.throwIfAborted();
        return 0;
      },
      { interruptHint: '; run it again to resume' },
    );
    await expect(running).rejects.toMatchObject({ exitCode: 2 });
    expect(out.stderr()).toBe('fleetsign: interrupted; run it again to resume\n');
  });
});

describe('failureLine', () => {
  it('shows non-Error values and empty messages sensibly', () => {
    expect(failureLine('plain', [], false)).toBe('fleetsign: plain');
    expect(failureLine(new Error(''), [], false)).toBe('fleetsign: unexpected error');
  });
});
