/**
 * The pick-up QR reader: the tablet's camera, or a photo (file input, also what browser
 * tests feed). Fires `qr-text` with the text read, or `qr-failed` with a reason.
 */
import { LitElement, css, html, nothing } from "lit";
import type { PanelContext } from "../context";
import { scanFile, scanFrame } from "../scan";
import { sharedStyles } from "../styles";
import "./icon";

export const QR_FILE_INPUT_ID = "qr-file";
const FRAME_INTERVAL_MS = 250;

export class PlkScanner extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    _camera: { state: true },
    _busy: { state: true },
  };
  declare ctx: PanelContext;
  declare _camera: boolean;
  declare _busy: boolean;
  private _stream: MediaStream | null = null;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _canvas: HTMLCanvasElement | null = null;

  constructor() {
    super();
    this._camera = false;
    this._busy = false;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        container-type: inline-size;
      }
      .actions {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 12px;
      }
      .big {
        min-height: 72px;
        border-radius: 16px;
        font-size: 20px;
        font-weight: 500;
        display: flex;
        align-items: center;
        justify-content: center;
        gap: 12px;
        cursor: pointer;
        border: 2px solid var(--pl-primary);
        background: var(--pl-primary);
        color: var(--pl-on-primary);
        padding: 0 16px;
        text-align: center;
        --pl-icon-size: 32px;
      }
      .big.outline {
        background: transparent;
        color: var(--pl-primary);
      }
      .file input {
        position: absolute;
        width: 1px;
        height: 1px;
        opacity: 0;
      }
      .file:focus-within {
        outline: 3px solid var(--pl-primary);
        outline-offset: 2px;
      }
      .video {
        position: relative;
        border-radius: 16px;
        overflow: hidden;
        background: #000;
        aspect-ratio: 4 / 3;
        margin-bottom: 12px;
      }
      video {
        width: 100%;
        height: 100%;
        object-fit: cover;
        display: block;
      }
      .aim {
        position: absolute;
        inset: 15%;
        border: 4px solid rgba(255, 255, 255, 0.85);
        border-radius: 16px;
        box-shadow: 0 0 0 100vmax rgba(0, 0, 0, 0.35);
      }
      .hint {
        margin-top: 8px;
        text-align: center;
      }
      @container (max-width: 480px) {
        .big {
          flex-direction: column;
          gap: 4px;
          font-size: 17px;
          padding: 8px;
        }
      }
    `,
  ];

  override disconnectedCallback(): void {
    this.stop();
    super.disconnectedCallback();
  }

  private get canvas(): HTMLCanvasElement {
    this._canvas ??= document.createElement("canvas");
    return this._canvas;
  }

  get cameraAvailable(): boolean {
    return typeof navigator !== "undefined" && "getUserMedia" in (navigator.mediaDevices ?? {});
  }

  async start(): Promise<void> {
    if (this._camera) return;
    try {
      this._stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment", width: { ideal: 1280 } },
        audio: false,
      });
    } catch {
      this._fail("camera");
      return;
    }
    this._camera = true;
    await this.updateComplete;
    const video = this.renderRoot.querySelector("video");
    if (!video) return;
    video.srcObject = this._stream;
    await video.play().catch(() => undefined);
    this._loop(video);
  }

  stop(): void {
    clearTimeout(this._timer);
    this._timer = undefined;
    this._stream?.getTracks().forEach((track) => track.stop());
    this._stream = null;
    this._camera = false;
  }

  private _loop(video: HTMLVideoElement): void {
    this._timer = setTimeout(() => void this._frame(video), FRAME_INTERVAL_MS);
  }

  private async _frame(video: HTMLVideoElement): Promise<void> {
    if (!this._camera) return;
    const text = await scanFrame(video, this.canvas);
    if (text) {
      this.stop();
      this._emit(text);
    } else {
      this._loop(video);
    }
  }

  private async _onFile(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    if (!file) return;
    this._busy = true;
    try {
      const text = await scanFile(file, this.canvas);
      if (text) this._emit(text);
      else this._fail("no_qr");
    } catch {
      this._fail("no_qr");
    } finally {
      this._busy = false;
      input.value = "";
    }
  }

  private _emit(text: string): void {
    this.dispatchEvent(new CustomEvent("qr-text", { detail: { text }, bubbles: true, composed: true }));
  }

  private _fail(reason: "camera" | "no_qr"): void {
    this.dispatchEvent(new CustomEvent("qr-failed", { detail: { reason }, bubbles: true, composed: true }));
  }

  protected override render() {
    const { t } = this.ctx;
    return html`
      ${this._camera
        ? html`<div class="video">
              <video playsinline muted aria-label=${t("scan_camera_view")}></video>
              <div class="aim" aria-hidden="true"></div>
            </div>
            <p class="hint muted">${t("scan_hint")}</p>`
        : nothing}
      <div class="actions">
        ${this._camera
          ? html`<button class="big outline" @click=${() => this.stop()}>
              <plk-icon icon="close"></plk-icon>${t("scan_stop")}
            </button>`
          : html`<button
              class="big"
              data-testid="qr-camera"
              ?disabled=${!this.cameraAvailable}
              @click=${() => void this.start()}
            >
              <plk-icon icon="qr"></plk-icon>${t("scan_camera")}
            </button>`}
        <label class="big outline file">
          <plk-icon icon="image"></plk-icon>${this._busy ? t("scan_reading") : t("scan_photo")}
          <input
            id=${QR_FILE_INPUT_ID}
            data-testid="qr-file"
            type="file"
            accept="image/*"
            capture="environment"
            @change=${(e: Event) => void this._onFile(e)}
          />
        </label>
      </div>
    `;
  }
}

if (!customElements.get("plk-scanner")) customElements.define("plk-scanner", PlkScanner);

declare global {
  interface HTMLElementTagNameMap {
    "plk-scanner": PlkScanner;
  }
}
