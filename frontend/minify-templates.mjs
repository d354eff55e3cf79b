// An esbuild plugin that squeezes the whitespace out of Lit's css`` / html`` / svg``
// templates (esbuild minifies the code around them, not the text inside). Only the
// literal parts are touched, never the ${expressions}; the result is deterministic.
import { readFile } from "node:fs/promises";
import ts from "typescript";

const squeezeCss = (text) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\s+/g, " ")
    .replace(/\s*([{};,>])\s*/g, "$1")
    .replace(/:\s+/g, ":")
    .replace(/;}/g, "}");

// Newlines and indentation collapse to one space: the same rendering outside <pre>.
const squeezeHtml = (text) => text.replace(/\s*\n\s*/g, " ").replace(/ {2,}/g, " ");

/** Rewrite the literal parts of tagged templates in one TypeScript source. */
export function minifyTemplates(source, fileName = "file.ts") {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits = [];
  const parts = (template) =>
    ts.isNoSubstitutionTemplateLiteral(template)
      ? [template]
      : [template.head, ...template.templateSpans.map((span) => span.literal)];
  const visit = (node) => {
    if (ts.isTaggedTemplateExpression(node) && ts.isIdentifier(node.tag)) {
      const squeeze = node.tag.text === "css" ? squeezeCss : ["html", "svg"].includes(node.tag.text) ? squeezeHtml : null;
      if (squeeze) {
        for (const part of parts(node.template)) {
          // The raw text sits between ` or } and ` or ${.
          const start = part.getStart(file) + 1;
          const end = part.end - (ts.isTemplateHead(part) || ts.isTemplateMiddle(part) ? 2 : 1);
          edits.push([start, end, squeeze(source.slice(start, end))]);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = source;
  for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + text + out.slice(end);
  return out;
}

export const minifyTemplatesPlugin = {
  name: "minify-lit-templates",
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => ({
      contents: minifyTemplates(await readFile(args.path, "utf8"), args.path),
      loader: "ts",
    }));
  },
};
