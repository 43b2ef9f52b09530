/**
 * Markdown cells to HTML: CommonMark + tables (markdown-it), LaTeX (KaTeX),
 * heading anchors for the page's table of contents, links between notebooks
 * pointing at their pages, and cell attachments as data URIs.
 */

import MarkdownIt from "markdown-it";
import { mathPlugin } from "./math";
import { MimeBundle } from "./notebook";

export interface Heading {
  level: number;
  text: string;
  id: string;
}

/** Per-page state shared by all markdown cells of one notebook. */
export interface MarkdownEnv {
  headings: Heading[];
  usedIds: Set<string>;
  /** Attachments of the cell being rendered. */
  attachments: Record<string, MimeBundle>;
}

export function newMarkdownEnv(): MarkdownEnv {
  return { headings: [], usedIds: new Set(), attachments: {} };
}

// No typographer: it would turn an enumeration's "(c)" into "©" and "+-" into "±".
const md = new MarkdownIt({ html: true, linkify: false, typographer: false });
md.use(mathPlugin);
md.core.ruler.push("heading_ids", headingIds);
md.core.ruler.push("book_links", bookLinks);

export function renderMarkdown(source: string, env: MarkdownEnv): string {
  return md.render(source, env);
}

/**
 * Plain text of inline markdown, e.g. "The **question** $\\sigma$" → "The question \\sigma":
 * for <title>, the sidebar and the index, where HTML or KaTeX markup cannot go.
 */
export function headingText(markdown: string): string {
  const children = md.parseInline(markdown, newMarkdownEnv())[0]?.children ?? [];
  return inlineText(children).trim();
}

type Token = ReturnType<MarkdownIt["parse"]>[number];

const TEXT_TOKENS = new Set(["text", "code_inline", "math_inline", "math_inline_display"]);

function inlineText(children: Token[]): string {
  return children.map((t) => (TEXT_TOKENS.has(t.type) ? t.content : t.type === "softbreak" ? " " : "")).join("");
}

/** The plain text of the first heading in a markdown source, if any. */
export function firstHeading(source: string): string | null {
  const tokens = md.parse(source, newMarkdownEnv());
  const at = tokens.findIndex((t) => t.type === "heading_open");
  return at < 0 ? null : headingText(tokens[at + 1].content);
}

export function slugify(text: string): string {
  const slug = text
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return slug || "section";
}

type StateCore = MarkdownIt.StateCore;

function headingIds(state: StateCore): void {
  const env = state.env as MarkdownEnv;
  state.tokens.forEach((token, i) => {
    if (token.type !== "heading_open") return;
    const text = inlineText(state.tokens[i + 1]?.children ?? []).trim();
    let id = slugify(text);
    for (let n = 2; env.usedIds.has(id); n++) id = `${slugify(text)}-${n}`;
    env.usedIds.add(id);
    token.attrSet("id", id);
    env.headings.push({ level: Number(token.tag.slice(1)), text, id });
  });
}

/** Relative links to a notebook go to its page; attachment images become data URIs. */
function bookLinks(state: StateCore): void {
  const env = state.env as MarkdownEnv;
  for (const block of state.tokens) {
    for (const token of block.children ?? []) {
      if (token.type === "link_open") {
        const href = token.attrGet("href") ?? "";
        if (!/^[a-z]+:/i.test(href)) token.attrSet("href", href.replace(/\.ipynb(?=$|#)/, ".html"));
      }
      if (token.type === "image") {
        const src = token.attrGet("src") ?? "";
        if (src.startsWith("attachment:")) token.attrSet("src", attachmentUri(env, src.slice("attachment:".length)));
      }
    }
  }
}

function attachmentUri(env: MarkdownEnv, name: string): string {
  const bundle = env.attachments[decodeURIComponent(name)] ?? {};
  const mime = Object.keys(bundle).find((m) => m.startsWith("image/"));
  return mime ? `data:${mime};base64,${bundle[mime].replace(/\s/g, "")}` : "";
}
