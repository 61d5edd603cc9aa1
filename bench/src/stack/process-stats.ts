import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** Memory and CPU time of a process, from /proc (Linux). */
export interface ProcessStats {
  /** VmRSS: resident now, in bytes. */
  rss: number;
  /** VmHWM: the most it has been resident since it started, in bytes. */
  peakRss: number;
  /** User + system CPU time used so far, in seconds. */
  cpuSeconds: number;
}

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (getconf CLK_TCK; 100 on Linux when unknown). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function statusField(status: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  if (!match) throw new Error(`/proc status has no ${name} line`);
  return Number(match[1]) * 1024;
}

function cpuSecondsOf(stat: string): number {
  // Fields after the command name (which may hold blanks and parentheses): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
}

/** Reads VmRSS, VmHWM and CPU time of process `pid`. */
export async function readProcessStats(pid: number): Promise<ProcessStats> {
  const [status, stat] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8'),
    readFile(`/proc/${pid}/stat`, 'utf8'),
  ]);
  return {
    rss: statusField(status, 'VmRSS'),
    peakRss: statusField(status, 'VmHWM'),
    cpuSeconds: cpuSecondsOf(stat),
  };
}
