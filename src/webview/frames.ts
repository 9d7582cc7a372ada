/**
 * Coalesced rendering: any number of `schedule()` calls before the next animation frame make one `draw()`
 * in it. A `schedule()` during `draw()` asks for the frame after.
 */
export class FrameLoop {
  private frame = 0;

  constructor(
    private readonly draw: () => void,
    private readonly request: (callback: () => void) => number = (callback) => requestAnimationFrame(callback),
  ) {}

  schedule(): void {
    if (this.frame) return;
    this.frame = this.request(() => {
      this.frame = 0;
      this.draw();
    });
  }
}
