import { Injectable, Logger } from '@nestjs/common';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { WorkerConfig } from '../config/worker.config';
import { liveGroupMembers, stopProcessGroup } from './process-group';
import { environHas, isSameProcess, procStat } from './proc-info';
import { readTrainerMarkers, removeTrainerMarker, thisWorkerProcess, type TrainerMarker } from './trainer-marker';

/**
 * Finds trainers whose worker died (kill -9, OOM) and stops them: their markers (trainer-marker.ts)
 * name a process group that still runs and a worker process that is gone. Checked in a run's
 * directory before its trainer starts there (the run was requeued after its worker died), and in
 * every run directory under the run root when the worker starts (a restarted worker). A trainer
 * whose worker still runs is never touched: several workers may share a run root. Markers of other
 * machines or pid namespaces (a run root on shared storage) are skipped; without /proc, everything.
 */
@Injectable()
export class OrphanTrainers {
  private readonly logger = new Logger(OrphanTrainers.name);

  constructor(private readonly config: WorkerConfig) {}

  /** Every run directory (<runRoot>/<sweep>/<run>) under the run root; resolves to how many were stopped. */
  async stopUnderRunRoot(): Promise<number> {
    const runDirs = subdirectories(this.config.runRoot).flatMap(subdirectories);
    const counts = await Promise.all(runDirs.map(async (dir) => (await this.stopIn(dir)).stopped));
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * Stops the orphaned trainers of one run directory (SIGTERM, SIGKILL after the kill grace) and
   * removes markers that name nothing alive; returns how many it stopped, and the trainers of live
   * workers still running there (the same run training twice: BullMQ requeued it from a worker that
   * is still alive, after it lost its lock).
   */
  async stopIn(runDir: string): Promise<{ stopped: number; liveElsewhere: TrainerMarker[] }> {
    const self = thisWorkerProcess();
    if (!self) return { stopped: 0, liveElsewhere: [] };
    const markers = readTrainerMarkers(runDir).filter(({ marker }) => marker.pidSpace === self.pidSpace);
    const live = markers.filter(({ marker }) => isSameProcess(marker.workerPid, marker.workerStart));
    const claimed = new Set(live.map(({ marker }) => marker.pgid));
    let stopped = 0;
    await Promise.all(
      markers
        .filter((m) => !live.includes(m))
        .map(async ({ path, marker }) => {
          if (claimed.has(marker.pgid) || !this.isStillRunning(marker, runDir)) {
            this.removeMarker(path); // its trainer ended (or its pid is another's now)
            return;
          }
          const { killed } = await stopProcessGroup(marker.pgid, this.config.killGraceSeconds * 1000, () => this.isStillRunning(marker, runDir));
          this.removeMarker(path);
          stopped++;
          this.logger.warn(
            `stopped an orphaned trainer in ${runDir}: process group ${marker.pgid} (run ${marker.runId}, attempt ${marker.attempt}), ` +
              `started ${marker.startedAt} by worker ${marker.workerId} (pid ${marker.workerPid}), which is gone; ` +
              (killed ? 'killed with SIGKILL after ignoring SIGTERM' : 'stopped with SIGTERM'),
          );
        }),
    );
    // A live worker's marker whose trainer has ended (its removal failed, or is just under way) holds nothing.
    return { stopped, liveElsewhere: live.filter(({ marker }) => this.isStillRunning(marker, runDir)).map(({ marker }) => marker) };
  }

  /** A marker that cannot be removed (EACCES, EROFS) is logged: it must not stop the worker from starting. */
  private removeMarker(path: string): void {
    const failed = removeTrainerMarker(path);
    if (failed) this.logger.warn(`cannot remove the trainer marker ${path}: ${failed.message}`);
  }

  /**
   * Whether the marker's process group still runs and is the one its worker started: its leader
   * with the recorded start time, or, once the leader has exited, members that carry this run's
   * directory in their environment (a group outlives its leader, and its id is not reused while any
   * member lives).
   */
  private isStillRunning(marker: TrainerMarker, runDir: string): boolean {
    const leader = procStat(marker.pgid);
    const members = liveGroupMembers(marker.pgid) ?? [];
    if (members.length === 0) return false;
    if (leader) return leader.startTime === marker.leaderStart && leader.pgrp === marker.pgid;
    return members.some((pid) => environHas(pid, 'LAWSWEEP_RUN_DIR', runDir));
  }
}

function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}
