// A job that runs one pass at a time: kicked while a pass runs, it runs one more pass when that one ends, however
// many kicks came meanwhile. The scheduler's claims and the change-log tailer's reads work this way.

export class SerialJob {
  private running = false;
  private again = false;

  /**
   * @param pass    one pass of the job
   * @param onError what a pass that throws ends with (the job stops until the next kick)
   * @param stopped no further pass once this says so
   */
  constructor(
    private readonly pass: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
    private readonly stopped: () => boolean,
  ) {}

  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.stopped());
      } catch (err) {
        this.onError(err);
      } finally {
        this.running = false;
      }
    })();
  }
}
