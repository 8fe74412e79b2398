import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * What one Linux process holds, read from /proc: resident memory, open file descriptors, CPU
 * time, and its TCP sockets. Used to check that load leaves nothing behind.
 */

/** Resident set size in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kib) * 1024;
}

/** How many file descriptors the process has open. */
export const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

/** The kinds of the open descriptors, e.g. `{ socket: 3, file: 5, anon_inode: 4, pipe: 2 }`. */
export function fdKinds(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const kind = /^([a-z_]+):/.exec(target)?.[1] ?? "file";
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

/** User plus system CPU time in milliseconds (in clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name, which may itself hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks * 10;
}

export interface TcpSocket {
  localPort: number;
  remotePort: number;
  /** Kernel TCP state: `01` ESTABLISHED, `06` TIME_WAIT, `08` CLOSE_WAIT, `0A` LISTEN, ... */
  state: string;
}

export const ESTABLISHED = "01";
export const CLOSE_WAIT = "08";
export const LISTEN = "0A";

/** The TCP sockets this process has a descriptor for (IPv4 and IPv6). */
export function tcpSocketsOf(pid: number): TcpSocket[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
      if (inode) inodes.add(inode);
    } catch {
      // closed while listing
    }
  }
  const sockets: TcpSocket[] = [];
  for (const table of ["tcp", "tcp6"]) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const columns = line.trim().split(/\s+/);
      const [, local, remote, state] = columns;
      const inode = columns[9];
      if (!local || !remote || !state || !inode || !inodes.has(inode)) continue;
      sockets.push({ localPort: portOf(local), remotePort: portOf(remote), state });
    }
  }
  return sockets;
}

const portOf = (address: string) => Number.parseInt(address.split(":").at(-1) ?? "", 16);

/** Polls `read` until `accept` holds or `timeoutMs` passes; returns the last value read. */
export async function settle<T>(
  read: () => T,
  accept: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 50,
): Promise<T> {
  const end = performance.now() + timeoutMs;
  let value = read();
  while (!accept(value) && performance.now() < end) {
    await Bun.sleep(everyMs);
    value = read();
  }
  return value;
}
