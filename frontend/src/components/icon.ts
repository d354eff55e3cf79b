/** An icon from the bundled set: Home Assistant's ha-svg-icon when loaded, else a plain SVG. */
import { LitElement, css, html, nothing, svg } from "lit";
import { ICONS, type IconName } from "../icons";

export class PlkIcon extends LitElement {
  static override properties = { icon: {} };
  declare icon: IconName | undefined;

  static override styles = css`
    :host {
      display: inline-flex;
      align-items: center;
      justify-content: center;
      flex: none;
      width: var(--pl-icon-size, 24px);
      height: var(--pl-icon-size, 24px);
      --mdc-icon-size: var(--pl-icon-size, 24px);
      color: inherit;
    }
    svg {
      width: 100%;
      height: 100%;
      fill: currentColor;
      display: block;
    }
  `;

  protected override render() {
    const path = this.icon ? ICONS[this.icon] : undefined;
    if (!path) return nothing;
    if (customElements.get("ha-svg-icon")) return html`<ha-svg-icon .path=${path}></ha-svg-icon>`;
    return html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">${svg`<path d=${path}></path>`}</svg>`;
  }
}

if (!customElements.get("plk-icon")) customElements.define("plk-icon", PlkIcon);

declare global {
  interface HTMLElementTagNameMap {
    "plk-icon": PlkIcon;
  }
}
