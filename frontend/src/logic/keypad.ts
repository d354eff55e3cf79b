/** The kiosk's on-screen code keypad as a small state machine (pure). */
import { CODE_MAX_DIGITS, CODE_MIN_DIGITS } from "./qr";

export type KeypadPhase = "entering" | "submitting" | "done" | "failed";

export interface KeypadState {
  digits: string;
  phase: KeypadPhase;
}

export type KeypadEvent =
  | { type: "digit"; digit: string }
  | { type: "backspace" }
  | { type: "clear" }
  | { type: "submit" }
  | { type: "succeeded" }
  | { type: "failed" }
  | { type: "reset" };

export const initialKeypad = (): KeypadState => ({ digits: "", phase: "entering" });

export const canSubmit = (state: KeypadState): boolean =>
  state.phase === "entering" && state.digits.length >= CODE_MIN_DIGITS;

export function keypadReducer(state: KeypadState, event: KeypadEvent): KeypadState {
  switch (event.type) {
    case "digit": {
      if (!/^\d$/.test(event.digit)) return state;
      // A new digit after a failure starts a new code.
      if (state.phase === "failed") return { digits: event.digit, phase: "entering" };
      if (state.phase !== "entering" || state.digits.length >= CODE_MAX_DIGITS) return state;
      return { ...state, digits: state.digits + event.digit };
    }
    case "backspace":
      if (state.phase === "failed") return { ...state, phase: "entering" };
      if (state.phase !== "entering") return state;
      return { ...state, digits: state.digits.slice(0, -1) };
    case "clear":
      return state.phase === "submitting" ? state : initialKeypad();
    case "submit":
      return canSubmit(state) ? { ...state, phase: "submitting" } : state;
    case "succeeded":
      return state.phase === "submitting" ? { digits: "", phase: "done" } : state;
    case "failed":
      return state.phase === "submitting" ? { ...state, phase: "failed" } : state;
    case "reset":
      return initialKeypad();
  }
}

/** Digits grouped for reading ("0471 8265"); the kiosk masks nothing, the screen faces the user. */
export const groupDigits = (digits: string): string => digits.replace(/(\d{4})(?=\d)/g, "$1 ");
