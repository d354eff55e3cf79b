/** Styles shared by the panel's elements: Home Assistant's theme variables, with fallbacks. */
import { css } from "lit";

export const sharedStyles = css`
  :host {
    --pl-radius: var(--ha-card-border-radius, 12px);
    --pl-gap: 16px;
    --pl-card-bg: var(--ha-card-background, var(--card-background-color, #fff));
    --pl-border: var(--divider-color, rgba(0, 0, 0, 0.12));
    --pl-muted: var(--secondary-text-color, #727272);
    --pl-ok: var(--success-color, #43a047);
    --pl-warn: var(--warning-color, #ffa600);
    --pl-error: var(--error-color, #db4437);
    --pl-primary: var(--primary-color, #03a9f4);
    --pl-on-primary: var(--text-primary-color, #fff);
    color: var(--primary-text-color, #212121);
    font-family: var(--ha-font-family-body, Roboto, Noto, "Noto Sans", sans-serif);
    -webkit-font-smoothing: antialiased;
  }
  * {
    box-sizing: border-box;
  }
  [hidden] {
    display: none !important;
  }
  .card {
    display: block;
    background: var(--pl-card-bg);
    border-radius: var(--pl-radius);
    border: var(--ha-card-border-width, 1px) solid var(--ha-card-border-color, var(--pl-border));
    box-shadow: var(--ha-card-box-shadow, none);
    color: var(--primary-text-color);
  }
  ha-card {
    display: block;
  }
  .card-content {
    padding: 16px;
  }
  h1,
  h2,
  h3 {
    margin: 0;
    font-weight: 500;
  }
  h2 {
    font-size: 20px;
    line-height: 28px;
  }
  h3 {
    font-size: 16px;
    line-height: 24px;
  }
  p {
    margin: 0;
  }
  .muted {
    color: var(--pl-muted);
  }
  .small {
    font-size: 13px;
  }
  button {
    font: inherit;
    color: inherit;
  }
  button:focus-visible,
  a:focus-visible,
  input:focus-visible,
  select:focus-visible,
  [tabindex]:focus-visible {
    outline: 3px solid var(--pl-primary);
    outline-offset: 2px;
  }
  .btn {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 8px;
    min-height: 40px;
    min-width: 64px;
    padding: 0 20px;
    border-radius: 20px;
    border: 1px solid transparent;
    background: var(--pl-primary);
    color: var(--pl-on-primary);
    font-weight: 500;
    font-size: 14px;
    letter-spacing: 0.01em;
    cursor: pointer;
    text-decoration: none;
    transition: filter 0.15s;
  }
  .btn:hover:not([disabled]) {
    filter: brightness(1.08);
  }
  .btn[disabled] {
    cursor: default;
    opacity: 0.45;
  }
  .btn.secondary {
    background: transparent;
    color: var(--pl-primary);
    border-color: var(--pl-border);
  }
  .btn.danger {
    background: var(--pl-error);
    color: #fff;
  }
  .btn.danger.secondary {
    background: transparent;
    color: var(--pl-error);
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 2px 10px;
    border-radius: 14px;
    font-size: 13px;
    line-height: 22px;
    background: color-mix(in srgb, var(--chip-color, var(--pl-muted)) 16%, transparent);
    color: var(--primary-text-color);
    white-space: nowrap;
    max-width: 100%;
  }
  /* A long chip (a date and time) wraps inside a narrow card rather than overflow it. */
  .chips .chip {
    white-space: normal;
  }
  .chip plk-icon {
    flex: none;
    --pl-icon-size: 16px;
    color: var(--chip-color, var(--pl-muted));
  }
  label.field {
    display: flex;
    flex-direction: column;
    gap: 4px;
    font-size: 12px;
    color: var(--pl-muted);
    min-width: 0;
  }
  input[type="text"],
  input[type="search"],
  select {
    font: inherit;
    font-size: 15px;
    min-height: 40px;
    padding: 0 12px;
    border-radius: 8px;
    border: 1px solid var(--pl-border);
    background: var(--input-fill-color, var(--pl-card-bg));
    color: var(--primary-text-color);
    min-width: 0;
  }
  select option {
    background: var(--pl-card-bg);
    color: var(--primary-text-color);
  }
  label.check {
    display: inline-flex;
    align-items: center;
    gap: 8px;
    min-height: 40px;
    font-size: 14px;
    cursor: pointer;
  }
  label.check input {
    width: 20px;
    height: 20px;
    accent-color: var(--pl-primary);
  }
  .error-box {
    display: flex;
    gap: 8px;
    align-items: flex-start;
    padding: 12px 16px;
    border-radius: 8px;
    background: color-mix(in srgb, var(--pl-error) 12%, transparent);
    color: var(--primary-text-color);
    border-left: 4px solid var(--pl-error);
  }
  .error-box plk-icon {
    color: var(--pl-error);
    flex: none;
  }
  .ok-box {
    display: flex;
    gap: 8px;
    align-items: center;
    padding: 12px 16px;
    border-radius: 8px;
    background: color-mix(in srgb, var(--pl-ok) 14%, transparent);
    border-left: 4px solid var(--pl-ok);
  }
  .ok-box plk-icon {
    color: var(--pl-ok);
  }
  .empty {
    display: flex;
    flex-direction: column;
    align-items: center;
    text-align: center;
    gap: 12px;
    padding: 40px 16px;
    color: var(--pl-muted);
  }
  .empty > plk-icon {
    --pl-icon-size: 56px;
    color: var(--pl-primary);
    opacity: 0.8;
  }
  .empty h2 {
    color: var(--primary-text-color);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
