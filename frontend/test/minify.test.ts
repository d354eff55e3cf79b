import { describe, expect, it } from "vitest";
// @ts-expect-error -- a plain ES module of the build, without types
import { minifyTemplates } from "../minify-templates.mjs";

const minify = minifyTemplates as (source: string) => string;

describe("template minifier of the build", () => {
  it("squeezes css and html but never an expression or another string", () => {
    const source = [
      "const a = css`",
      "  :host {",
      "    display: block; /* comment */",
      "    color: var(--x, red);",
      "  }",
      "  .a > .b:hover,",
      "  .c { width: ${w}px; }",
      "`;",
      "const b = html`<div class=\"x\">",
      "    ${value}   text",
      "  </div>`;",
      "const c = `keep   this\n  as is`;",
      "const d = html`${ html`<i>  a  </i>` }`;",
    ].join("\n");
    const out = minify(source);
    expect(out).toContain("css` :host{display:block;color:var(--x,red)}.a>.b:hover,.c{width:${w}px}`");
    expect(out).toContain('html`<div class="x"> ${value} text </div>`');
    expect(out).toContain("`keep   this\n  as is`");
    expect(out).toContain("html`<i> a </i>`");
  });

  it("keeps the space of a descendant selector and before a pseudo-class", () => {
    expect(minify("css`:host([narrow]) .list :hover { a: b }`")).toBe("css`:host([narrow]) .list :hover{a:b}`");
  });
});
