/**
 * CPU time of a process from /proc (Linux), to tell a CPU-bound server (≈ 100 % of a core) from
 * one that waits (fsync, the client). Elsewhere the figures are absent.
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat; 100 on every common Linux build. */
const CLK_TCK = 100;

/** User and system CPU ms of a process (all its threads), or undefined when unknown. */
export function processCpuMs(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces: split after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return { user: (utime * 1000) / CLK_TCK, system: (stime * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}

export interface CpuMeter {
  /** CPU used since start as a share of one core over the wall time, user and system; undefined when unknown. */
  stop(wallMs: number): { total: number; user: number; system: number } | undefined;
}

export function meterCpu(pid: number): CpuMeter {
  const a = processCpuMs(pid);
  return {
    stop(wallMs) {
      const b = processCpuMs(pid);
      if (!a || !b || wallMs <= 0) return undefined;
      const user = (b.user - a.user) / wallMs;
      const system = (b.system - a.system) / wallMs;
      return { total: user + system, user, system };
    },
  };
}

/** This process's CPU share over a wall time, from process.cpuUsage deltas. */
export function meterSelf(): { stop(wallMs: number): number } {
  const a = process.cpuUsage();
  return {
    stop(wallMs) {
      const d = process.cpuUsage(a);
      return wallMs > 0 ? (d.user + d.system) / 1000 / wallMs : Number.NaN;
    },
  };
}
