/** A countdown that re-renders its host every second and calls back at zero (kiosk auto-return). */
import type { ReactiveController, ReactiveControllerHost } from "lit";

export class Countdown implements ReactiveController {
  remaining = 0;
  private _timer: ReturnType<typeof setInterval> | undefined;
  private _done: (() => void) | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  start(seconds: number, done: () => void): void {
    this.stop();
    this.remaining = seconds;
    this._done = done;
    this._timer = setInterval(() => {
      this.remaining -= 1;
      if (this.remaining <= 0) {
        const callback = this._done;
        this.stop();
        callback?.();
      }
      this.host.requestUpdate();
    }, 1000);
    this.host.requestUpdate();
  }

  stop(): void {
    clearInterval(this._timer);
    this._timer = undefined;
    this._done = undefined;
  }

  hostDisconnected(): void {
    this.stop();
  }
}
