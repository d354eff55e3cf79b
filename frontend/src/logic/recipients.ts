/** The kiosk's type-ahead over the recipients (pure). */
import type { Recipient } from "../types";
import { normaliseText } from "./parcels";

export const MAX_RESULTS = 8;

/**
 * Names that match the query: a word of the name starting with it first, then names
 * containing it; alphabetical within each group. An empty query gives nothing.
 */
export function searchRecipients(recipients: readonly Recipient[], query: string, max = MAX_RESULTS): Recipient[] {
  const q = normaliseText(query);
  if (!q) return [];
  const scored: { r: Recipient; score: number }[] = [];
  for (const r of recipients) {
    const name = normaliseText(r.name);
    const words = name.split(/[\s\-']+/);
    let score = -1;
    if (name.startsWith(q)) score = 0;
    else if (words.some((w) => w.startsWith(q))) score = 1;
    else if (name.includes(q)) score = 2;
    if (score >= 0) scored.push({ r, score });
  }
  return scored
    .sort((a, b) => a.score - b.score || a.r.name.localeCompare(b.r.name))
    .slice(0, max)
    .map(({ r }) => r);
}
