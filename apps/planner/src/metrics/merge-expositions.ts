/**
 * Merges Prometheus text expositions (one per BullMQ queue) into one: the format wants each
 * family's HELP/TYPE once and its samples together, while each queue's export repeats them.
 */
export function mergeExpositions(texts: string[]): string {
  const families = new Map<string, { header: string[]; samples: string[] }>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { header: [], samples: [] }));
    return f;
  };
  for (const text of texts) {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const header = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (header) {
        const f = family(header[2]);
        if (!f.header.some((h) => h.startsWith(`# ${header[1]} `))) f.header.push(line);
      } else {
        family(line.split(/[{\s]/)[0]).samples.push(line);
      }
    }
  }
  return [...families.values()].flatMap((f) => [...f.header, ...f.samples]).join('\n') + '\n';
}
