import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives: a package, Node itself, our code, or V8's own buckets (GC, idle). */
function ownerOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node';
  const ours = url.match(/\/(apps|libs|projections)\/([^/]+)/);
  return ours ? `ours: ${ours[1]}/${ours[2]}` : url;
}

/**
 * Self time per function and per owner (package, Node, our code, GC) from a `node --cpu-prof` profile, as text.
 * Self time is what the function itself ran, not its callees: the list says where the CPU actually went.
 */
export function summariseProfile(file: string, top = 20): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByFunction = new Map<string, number>();
  const selfByOwner = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') return; // waiting for I/O is not CPU
    total += delta;
    const owner = ownerOf(url, functionName);
    const name = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`.trim();
    selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + delta);
    selfByOwner.set(owner, (selfByOwner.get(owner) ?? 0) + delta);
  });
  const share = (value: number) => `${((value / total) * 100).toFixed(1).padStart(5)}%`;
  const rank = (map: Map<string, number>, count: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, value]) => `  ${share(value)}  ${name}`)
      .join('\n');
  return `busy CPU ${(total / 1e6).toFixed(1)} s\nby owner:\n${rank(selfByOwner, 15)}\nby function:\n${rank(selfByFunction, top)}`;
}

if (require.main === module) {
  const [file, count] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile.ts <file.cpuprofile> [top]');
  console.log(summariseProfile(file, Number(count ?? 25)));
}
