import { runCli } from './cli';

// Entry point of the `fleetsign` binary; exit code comes from runCli, output is flushed normally.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
