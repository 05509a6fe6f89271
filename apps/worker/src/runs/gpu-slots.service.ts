import { Injectable } from '@nestjs/common';
import { WorkerConfig } from '../config/worker.config';

/**
 * One GPU per concurrent run: a run takes a free GPU id (its CUDA_VISIBLE_DEVICES) and gives it
 * back when it ends. BullMQ's concurrency equals the number of GPUs, so a free one always exists.
 */
@Injectable()
export class GpuSlots {
  private readonly free: string[];

  constructor(config: WorkerConfig) {
    this.free = [...config.gpus];
  }

  /** A GPU id, or undefined on a node without GPUs. */
  acquire(): string | undefined {
    return this.free.shift();
  }

  release(gpu: string | undefined): void {
    if (gpu !== undefined) this.free.push(gpu);
  }
}
