// Progress for long batches: a redrawn bar on a terminal, plain lines otherwise (logs, CI).
export class Progress {
  private readonly tty: boolean;
  private readonly started = performance.now();
  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly quiet = false,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  tick(done: number, label: string, detail = ''): void {
    if (this.quiet) return;
    const elapsed = (performance.now() - this.started) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : 0;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((done / Math.max(1, this.total)) * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      this.stream.write(`\r[${bar}] ${done}/${this.total} ETA ${eta.toFixed(0)}s ${label.slice(-40).padEnd(40)}`);
      if (done === this.total) this.stream.write('\n');
    } else {
      this.stream.write(`${done}/${this.total} ${label}${detail ? ' ' + detail : ''}\n`);
    }
  }

  /** Writes a message on its own line without garbling the bar. */
  note(msg: string): void {
    this.stream.write((this.tty ? '\r\x1b[K' : '') + msg + '\n');
  }
}
