import { createInterface } from 'node:readline';

/**
 * Whether `lawsweep sweep delete` may go on: with --yes at once; on a terminal after the user typed
 * the sweep's id; with neither, never (a script or a pipe must say --yes: nothing can bring a
 * deleted sweep back).
 */
export function deleteConfirmation(options: { yes?: boolean; stdinIsTTY: boolean }): 'go' | 'ask' | 'refuse' {
  if (options.yes) return 'go';
  return options.stdinIsTTY ? 'ask' : 'refuse';
}

/**
 * Asks on `output` for the sweep id to be typed on `input`; true when it was, exactly. Ctrl-C or the
 * end of input answers false.
 */
export function askToTypeId(id: string, question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = createInterface({ input, output });
    let answered = false;
    rl.on('SIGINT', () => rl.close());
    rl.on('close', () => {
      if (!answered) {
        output.write('\n');
        resolve(false);
      }
    });
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer.trim() === id);
    });
  });
}
