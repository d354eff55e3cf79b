/**
 * Reading a QR code from a camera frame or a photo: the browser's BarcodeDetector where
 * it has one that reads QR codes, else the bundled decoder (the `qr` package's decoder).
 */
import decodeQR from "qr/decode.js";

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource | ImageBitmap): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorClass {
  new (options?: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats?: () => Promise<string[]>;
}

let nativeDetector: Promise<BarcodeDetectorLike | null> | undefined;

/** The browser's QR detector, or null when there is none (created once). */
export function browserDetector(): Promise<BarcodeDetectorLike | null> {
  nativeDetector ??= (async () => {
    const Detector = (globalThis as { BarcodeDetector?: BarcodeDetectorClass }).BarcodeDetector;
    if (!Detector) return null;
    try {
      const formats = (await Detector.getSupportedFormats?.()) ?? ["qr_code"];
      return formats.includes("qr_code") ? new Detector({ formats: ["qr_code"] }) : null;
    } catch {
      return null;
    }
  })();
  return nativeDetector;
}

/** Decode RGBA pixels with the bundled decoder; null when there is no readable code. */
export function decodePixels(image: { width: number; height: number; data: Uint8ClampedArray | Uint8Array }): string | null {
  try {
    return decodeQR(image);
  } catch {
    return null;
  }
}

type Drawable = HTMLVideoElement | ImageBitmap | HTMLImageElement | HTMLCanvasElement;

const sizeOf = (source: Drawable): { width: number; height: number } =>
  source instanceof HTMLVideoElement
    ? { width: source.videoWidth, height: source.videoHeight }
    : { width: source.width, height: source.height };

/** Draw the source scaled to at most `maxSide` pixels and decode it with the bundled decoder. */
export function decodeDrawable(source: Drawable, canvas: HTMLCanvasElement, maxSide: number): string | null {
  const { width, height } = sizeOf(source);
  if (!width || !height) return null;
  const scale = Math.min(1, maxSide / Math.max(width, height));
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d", { willReadFrequently: true });
  if (!context) return null;
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  return decodePixels(context.getImageData(0, 0, canvas.width, canvas.height));
}

/** One camera frame: the browser's detector if any (cheap), else the bundled decoder. */
export async function scanFrame(video: HTMLVideoElement, canvas: HTMLCanvasElement): Promise<string | null> {
  const detector = await browserDetector();
  if (detector) {
    try {
      return (await detector.detect(video))[0]?.rawValue ?? null;
    } catch {
      return null;
    }
  }
  return decodeDrawable(video, canvas, 720);
}

/** A photo (file input): every way we have, at a few sizes, before giving up. */
export async function scanFile(file: Blob, canvas: HTMLCanvasElement): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    const detector = await browserDetector();
    if (detector) {
      try {
        const found = (await detector.detect(bitmap))[0]?.rawValue;
        if (found) return found;
      } catch {
        // fall through to the bundled decoder
      }
    }
    for (const side of [1280, 800, 2048]) {
      const found = decodeDrawable(bitmap, canvas, side);
      if (found) return found;
    }
    return null;
  } finally {
    bitmap.close();
  }
}
