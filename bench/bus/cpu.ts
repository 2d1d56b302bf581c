/**
 * CPU accounting for the bus benchmark, from /proc (Linux): this process, the second consumer
 * process, the PostgreSQL backends serving the benchmark database, the RabbitMQ broker (the whole
 * broker, which other users of the machine may share), and how busy the machine was overall.
 * Elsewhere, or when /proc cannot be read, the figures are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function procCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** [busy, total] jiffies of all cores. */
function machineTicks(): [number, number] | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return [total - idle, total];
  } catch {
    return undefined;
  }
}

/**
 * The broker's Erlang VM: the oldest `beam.smp` (rabbitmqctl runs short-lived ones of its own).
 * Looked up at every snapshot, so a broker restarted in between is noticed.
 */
function findBroker(): number | undefined {
  let best: { pid: number; started: number } | undefined;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'beam.smp') continue;
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const started = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
        if (!best || started < best.started) best = { pid: Number(entry), started };
      } catch {
        // the process went away
      }
    }
  } catch {
    // no /proc
  }
  return best?.pid;
}

interface Snapshot {
  at: number;
  self: NodeJS.CpuUsage;
  child: number | undefined;
  backends: Map<number, number>;
  broker: number | undefined;
  brokerPid: number | undefined;
  machine: [number, number] | undefined;
}

/** CPU milliseconds used during a measurement, and the machine's busy share (0..1). */
export interface CpuUse {
  /** Wall-clock length of the measurement. */
  wallMs: number;
  self: number;
  child?: number;
  postgres?: number;
  broker?: number;
  machineBusy?: number;
}

export class CpuMeter {
  constructor(
    private readonly admin: Client,
    private readonly childPid: () => number | undefined,
  ) {}

  private async backends(): Promise<Map<number, number>> {
    const map = new Map<number, number>();
    const { rows } = await this.admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
    for (const { pid } of rows) {
      const ms = procCpuMs(pid);
      if (ms !== undefined) map.set(pid, ms);
    }
    return map;
  }

  async snapshot(): Promise<Snapshot> {
    const child = this.childPid();
    const broker = findBroker();
    return {
      at: performance.now(),
      self: process.cpuUsage(),
      child: child ? procCpuMs(child) : undefined,
      backends: await this.backends(),
      broker: broker ? procCpuMs(broker) : undefined,
      brokerPid: broker,
      machine: machineTicks(),
    };
  }

  /** Usage since `start`. Backends that connected meanwhile count from zero. */
  async since(start: Snapshot): Promise<CpuUse> {
    const end = await this.snapshot();
    const self = process.cpuUsage(start.self);
    let postgres = 0;
    for (const [pid, ms] of end.backends) postgres += ms - (start.backends.get(pid) ?? 0);
    const use: CpuUse = { wallMs: end.at - start.at, self: (self.user + self.system) / 1000, postgres: end.backends.size > 0 ? postgres : undefined };
    if (end.child !== undefined) use.child = end.child - (start.child ?? 0);
    if (end.broker !== undefined && start.broker !== undefined && end.brokerPid === start.brokerPid) use.broker = end.broker - start.broker;
    if (end.machine && start.machine) {
      const total = end.machine[1] - start.machine[1];
      if (total > 0) use.machineBusy = (end.machine[0] - start.machine[0]) / total;
    }
    return use;
  }
}
