import { readFileSync, readlinkSync } from 'node:fs';

/**
 * What Linux's /proc tells about processes, for recognising a trainer after its worker died. Every
 * function answers undefined where /proc is missing (macOS) or the process is gone: callers then
 * leave processes alone.
 */

export interface ProcStat {
  /** R, S, D, Z (zombie), X (dead), ... */
  state: string;
  pgrp: number;
  /** Clock ticks after boot: with the pid, names one process for the whole uptime (pids are reused). */
  startTime: string;
}

export function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command name (in parentheses, which may hold spaces): field 3 on, space-separated.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], pgrp: Number(fields[2]), startTime: fields[19] };
  } catch {
    return undefined;
  }
}

/** Whether a process is running (not a zombie) and is the one that started at `startTime`. */
export function isSameProcess(pid: number, startTime: string): boolean {
  const stat = procStat(pid);
  return stat !== undefined && stat.startTime === startTime && stat.state !== 'Z' && stat.state !== 'X';
}

/** Whether a process's environment (as it started) has `NAME=value`; false where it cannot be read. */
export function environHas(pid: number, name: string, value: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${name}=${value}`);
  } catch {
    return false;
  }
}

/**
 * Where pids mean something: this boot of this kernel and this pid namespace (two containers on
 * one node share the boot but not the pids). Undefined without /proc.
 */
export function pidSpace(): string | undefined {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    let namespace = '';
    try {
      namespace = readlinkSync('/proc/self/ns/pid');
    } catch {
      // no namespace link (old kernels, some sandboxes): the boot alone
    }
    return `${boot}/${namespace}`;
  } catch {
    return undefined;
  }
}
