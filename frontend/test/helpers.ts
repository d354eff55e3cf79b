/** Mounting the panel with a fake hass and reading it as a user would (through shadow roots). */
import { LitElement } from "lit";
import "../src/parcel-locker-panel";
import type { ParcelLockerPanel } from "../src/parcel-locker-panel";
import { createFakeHass, type FakeHass, type FakeOptions } from "../dev/fake-hass";

/** Every element matching `selector`, in the light DOM and every open shadow root below `root`. */
export function queryAll<T extends Element = HTMLElement>(root: Node, selector: string): T[] {
  const found: T[] = [];
  // (happy-dom's ShadowRoot is no DocumentFragment: duck typing.)
  const walk = (node: Node): void => {
    const scope = node as Element;
    if ("querySelectorAll" in scope) {
      found.push(...scope.querySelectorAll<T>(selector));
      for (const el of scope.querySelectorAll("*")) if (el.shadowRoot) walk(el.shadowRoot);
    }
    if (node instanceof Element && node.shadowRoot) walk(node.shadowRoot);
  };
  walk(root);
  return [...new Set(found)];
}

export function query<T extends Element = HTMLElement>(root: Node, selector: string): T {
  const [first] = queryAll<T>(root, selector);
  if (!first) throw new Error(`nothing matches ${selector}`);
  return first;
}

/** The text a user reads: the element's text including its shadow roots, whitespace collapsed. */
export function textOf(node: Node): string {
  const parts: string[] = [];
  const walk = (n: Node): void => {
    if (n.nodeType === Node.TEXT_NODE) parts.push(n.textContent ?? "");
    if (n instanceof Element && (n.tagName === "STYLE" || n.tagName === "SCRIPT")) return;
    if (n instanceof Element && n.shadowRoot) walk(n.shadowRoot);
    n.childNodes.forEach(walk);
  };
  walk(node);
  return parts.join(" ").replace(/\s+/g, " ").trim();
}

/** Let every Lit element below `root` finish rendering, and pending promises settle. */
export async function settle(root: Node, rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    await Promise.all(queryAll<LitElement>(root, "*").filter((el) => el instanceof LitElement).map((el) => el.updateComplete));
  }
}

export async function mount(options: FakeOptions & { path?: string; narrow?: boolean }): Promise<{ panel: ParcelLockerPanel; fake: FakeHass }> {
  const fake = createFakeHass({ now: new Date(), ...options });
  const panel = document.createElement("parcel-locker-panel");
  panel.hass = fake.hass;
  panel.narrow = options.narrow ?? false;
  panel.route = { prefix: "/parcel-locker", path: options.path ?? "" };
  document.body.replaceChildren(panel);
  await settle(panel);
  return { panel, fake };
}

export async function click(root: Node, selector: string): Promise<void> {
  query(root, selector).click();
  await settle(root);
}

export async function type(root: Node, selector: string, value: string): Promise<void> {
  const input = query<HTMLInputElement>(root, selector);
  input.value = value;
  input.dispatchEvent(new Event("input", { bubbles: true, composed: true }));
  await settle(root);
}
