/** Keeps the last `max` lines written to it (child-process output for failure messages). */
export class LineRing {
  private lines: string[] = [];
  private partial = "";

  constructor(private readonly max = 2000) {}

  write(chunk: string, onLine?: (line: string) => void): void {
    const parts = (this.partial + chunk).split("\n");
    this.partial = parts.pop() ?? "";
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
      onLine?.(line);
    }
  }

  text(last = this.max): string {
    const tail = this.partial ? [...this.lines, this.partial] : this.lines;
    return tail.slice(-last).join("\n");
  }
}
