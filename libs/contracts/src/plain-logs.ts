/**
 * Nest's logger colours its lines (ANSI escapes) unless NO_COLOR is set, even when they go to a file
 * or a pipe, where the escapes are noise in every log viewer. Each entry point (CLI, planner, worker)
 * calls this first: plain text unless stdout is a terminal or the user asked for colour (FORCE_COLOR).
 */
export function plainLogsWhenPiped(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): void {
  if (!stream.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined) env.NO_COLOR = '1';
}
