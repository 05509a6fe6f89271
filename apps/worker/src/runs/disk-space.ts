import { Injectable } from '@nestjs/common';
import { statfs } from 'node:fs/promises';

/**
 * Free space of a filesystem, as an unprivileged process may use it (statfs: available blocks ×
 * block size, what `df` shows as Avail). A provider of its own so that tests can give any answer.
 * In a container, an emptyDir's sizeLimit is not a filesystem: statfs sees the node's disk.
 */
@Injectable()
export class DiskSpace {
  async freeBytes(path: string): Promise<number> {
    const fs = await statfs(path);
    return fs.bavail * fs.bsize;
  }
}
