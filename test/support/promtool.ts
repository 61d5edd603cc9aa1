import { spawnSync } from 'node:child_process';

/** True when Prometheus' promtool is on PATH (Debian package `prometheus`, installed by the test set-up). */
export function hasPromtool(): boolean {
  return spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
}

let reported = false;

/**
 * Problems `promtool check metrics` reports for a /metrics body, one per line; [] when
 * clean. Without promtool (no apt on this machine) it prints why, once, and returns [].
 */
export function promtoolProblems(exposition: string): string[] {
  if (!hasPromtool()) {
    if (!reported) console.warn('promtool not found (install Debian package prometheus): metrics lint skipped');
    reported = true;
    return [];
  }
  const result = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (result.status === 0) return [];
  return `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.trim() !== '');
}
