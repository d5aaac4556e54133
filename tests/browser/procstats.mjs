// Measuring processes from outside, for the scale benchmark (tests/browser/bench-scale.mjs):
// memory and CPU time of a process, of a process tree, and of the whole machine, read from
// Linux's /proc; and percentiles of latency samples.

import { readFile, readdir } from 'node:fs/promises';

/**
 * A process's memory and CPU from /proc (Linux): VmRSS and VmHWM in KiB, utime+stime in
 * clock ticks (`ticksPerSec`, normally 100), and the number of threads.
 */
export async function procStats(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM'), cpuTicks: Number(f[11]) + Number(f[12]), threads: Number(f[17]), ticksPerSec: 100 };
}

/** The p-th percentile (0–100) of `values` by nearest rank; NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** Every process under `rootPid` (children, their children…), from /proc (Linux). */
export async function descendants(rootPid) {
  const parent = new Map();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out = [];
  const frontier = [rootPid];
  while (frontier.length) {
    const p = frontier.pop();
    for (const [child, pp] of parent) {
      if (pp === p) {
        out.push(child);
        frontier.push(child);
      }
    }
  }
  return out;
}

/**
 * Sum of CPU ticks and proportional set size (Pss from smaps_rollup, KiB: shared pages
 * divided among their users, so the sum is the memory they take together) over `pids`,
 * skipping processes that are gone.
 */
export async function sumStats(pids) {
  let cpuTicks = 0;
  let pssKiB = 0;
  let count = 0;
  for (const pid of pids) {
    try {
      const s = await procStats(pid);
      const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
      cpuTicks += s.cpuTicks;
      pssKiB += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] ?? 0);
      count++;
    } catch {
      // gone meanwhile
    }
  }
  return { cpuTicks, pssKiB, count };
}

/** The whole machine's CPU time from /proc/stat: {busy, total} in ticks, over all cores. */
export async function machineCpu() {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] || 0); // idle + iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // guest time is already in user
  return { busy: total - idle, total };
}
