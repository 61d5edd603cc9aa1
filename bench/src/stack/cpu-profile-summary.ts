import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The parts of a V8 .cpuprofile the summary reads. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

/** Share of sampled time spent in one group of code (self time). */
export interface ProfileShare {
  what: string;
  share: number;
}

/**
 * Names the code a profile frame belongs to: an npm package, a FleetSign source file,
 * a Node internal module, or a V8 pseudo-frame such as (garbage collector).
 */
function groupOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : `native ${functionName}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `npm ${pkg[1]}`;
  const own = /\/((?:apps|libs)\/[^/]+\/src\/.*)\.js$/.exec(url);
  if (own) return own[1];
  return url;
}

/** Self time of a profile grouped by code (see groupOf), largest first, idle time left out. */
export function profileShares(profile: CpuProfile): ProfileShare[] {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byGroup = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((nodeId, index) => {
    const frame = frames.get(nodeId);
    if (!frame || frame.functionName === '(idle)') return;
    const micros = profile.timeDeltas[index] ?? 0;
    const group = groupOf(frame.url, frame.functionName);
    byGroup.set(group, (byGroup.get(group) ?? 0) + micros);
    total += micros;
  });
  return [...byGroup]
    .map(([what, micros]) => ({ what, share: total > 0 ? micros / total : 0 }))
    .sort((a, b) => b.share - a.share);
}

/** The .cpuprofile files in `dir`. */
export async function listCpuProfiles(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.cpuprofile')).sort();
}

/**
 * One line per .cpuprofile in `dir` not named in `skip`: the file and its `top` largest
 * groups of busy time.
 */
export async function summariseCpuProfiles(
  dir: string,
  skip: readonly string[] = [],
  top = 12,
): Promise<string[]> {
  const lines: string[] = [];
  for (const file of (await listCpuProfiles(dir)).filter((f) => !skip.includes(f))) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    const shares = profileShares(profile)
      .slice(0, top)
      .map((s) => `${s.what} ${(s.share * 100).toFixed(1)}%`);
    lines.push(`${join(dir, file)}: busy time by code: ${shares.join(', ')}`);
  }
  return lines;
}
