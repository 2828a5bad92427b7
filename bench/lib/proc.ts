/**
 * CPU time of a process from /proc (Linux), to tell a CPU-bound server (≈ 100 % of a core) from
 * one that waits (fsync, the client). Elsewhere the figures are absent.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat; 100 on every common Linux build. */
const CLK_TCK = 100;

/** User and system CPU ms from a /proc stat file (a process's or a thread's), with its command name. */
function statCpuMs(path: string): { name: string; user: number; system: number } | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    // The command name (field 2) may contain spaces: split after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    return { name, user: (utime * 1000) / CLK_TCK, system: (stime * 1000) / CLK_TCK };
  } catch {
    return undefined;
  }
}

/** User and system CPU ms of a process (all its threads), or undefined when unknown. */
export function processCpuMs(pid: number): { user: number; system: number } | undefined {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** User and system CPU ms of each live thread of this process, by thread id, with its name. */
export function threadCpuMs(): Map<number, { name: string; user: number; system: number }> {
  const out = new Map<number, { name: string; user: number; system: number }>();
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const t of tids) {
    // A thread that ended between the listing and the read is left out.
    const cpu = statCpuMs(`/proc/self/task/${t}/stat`);
    if (cpu) out.set(Number(t), cpu);
  }
  return out;
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

interface SystemTicks {
  busy: number;
  iowait: number;
  steal: number;
  total: number;
}

function systemTicks(): SystemTicks | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = v;
    return {
      busy: user + nice + system + irq + softirq + steal,
      iowait,
      steal,
      total: user + nice + system + idle + iowait + irq + softirq + steal,
    };
  } catch {
    return undefined;
  }
}

export interface SystemCpu {
  /** Busy cores on average (all processes, the kernel included); the machine has `cores`. */
  readonly busyCores: number;
  /** Cores idle while some task waited for disk I/O (fsync shows here). */
  readonly iowaitCores: number;
  /** Cores taken by the hypervisor. */
  readonly stealCores: number;
  readonly cores: number;
}

/** Machine-wide CPU over a window, from /proc/stat; undefined elsewhere. */
export function meterSystem(cores: number): { stop(): SystemCpu | undefined } {
  const a = systemTicks();
  return {
    stop() {
      const b = systemTicks();
      if (!a || !b || b.total <= a.total) return undefined;
      const share = (x: number): number => (x / (b.total - a.total)) * cores;
      return {
        busyCores: share(b.busy - a.busy),
        iowaitCores: share(b.iowait - a.iowait),
        stealCores: share(b.steal - a.steal),
        cores,
      };
    },
  };
}

export interface ProcessIo {
  /** Bytes passed to write()/pwrite() and friends (the WAL, checkpoints, sockets included). */
  readonly wchar: number;
  /** Bytes this process caused to be sent to the storage layer. */
  readonly writeBytes: number;
  /** write-like system calls. */
  readonly syscw: number;
}

function processIo(pid: number): ProcessIo | undefined {
  try {
    const kv = new Map(
      readFileSync(`/proc/${pid}/io`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => {
          const [k = '', v = ''] = l.split(':');
          return [k.trim(), Number(v.trim())] as const;
        }),
    );
    return {
      wchar: kv.get('wchar') ?? Number.NaN,
      writeBytes: kv.get('write_bytes') ?? Number.NaN,
      syscw: kv.get('syscw') ?? Number.NaN,
    };
  } catch {
    return undefined;
  }
}

/** I/O of a process over a window, from /proc/<pid>/io; undefined elsewhere. */
export function meterIo(pid: number): { stop(): ProcessIo | undefined } {
  const a = processIo(pid);
  return {
    stop() {
      const b = processIo(pid);
      if (!a || !b) return undefined;
      return { wchar: b.wchar - a.wchar, writeBytes: b.writeBytes - a.writeBytes, syscw: b.syscw - a.syscw };
    },
  };
}
