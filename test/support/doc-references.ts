/**
 * Finds what a document or a `--help` text names in this repository, and says which of those
 * names do not exist (test/unit/docs.test.ts, test/unit/help.test.ts). What counts:
 *
 * - a link `[text](target)` or `![alt](target)` in Markdown: the target, relative to the
 *   document's folder, must exist; URLs (`scheme:`), and `mailto:` are not checked; a `#anchor`
 *   into a Markdown file (or into the document itself) must be one of its headings, slugged as
 *   GitHub does;
 * - a repository path anywhere in the text (prose, `code`, fenced blocks, help texts): a token
 *   that begins with one of the repository's top-level folders and a slash (`src/…`, `docs/…`,
 *   `model/…`, as read from the root folder, minus what .gitignore leaves out: `dist/`,
 *   `.wrangler/`, `node_modules/`), at the start of a line or after a space or one of ( [ ` ' " =
 *   and read up to the first character that is not a letter, digit or one of . _ - / @ +;
 *   a trailing . , or : is punctuation. Not a path: a token inside a URL (it follows a slash),
 *   one followed at once by a placeholder character (< { * … $, as in `src/pipelines/<name>/`),
 *   and one with an all-capitals segment (`model/artifacts/N/V`, `models/NAME/`);
 * - `npm run <script>` (also with `-s`/`--silent`): the script must be in package.json.
 *
 * Another repository's file (hono's `src/hono-base.ts`) is written as a link to it, so it is
 * not read as one of ours.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

export interface Reference {
  kind: "link" | "path" | "script";
  /** What the text says. */
  text: string;
  line: number;
}

export interface Repository {
  root: string;
  /** .gitignore's patterns, as read by {@link ignored}. */
  ignore: readonly string[];
  /** Top-level folders a path may start with. */
  folders: ReadonlySet<string>;
  scripts: ReadonlySet<string>;
}

/** The repository at `root`: its top-level folders (minus ignored ones) and its npm scripts. */
export function repository(root: string): Repository {
  const ignore = readFileSync(join(root, ".gitignore"), "utf8")
    .split("\n")
    .map((line) => line.trim().replace(/^\//, "").replace(/\/$/, ""))
    .filter((line) => line && !line.startsWith("#") && !line.startsWith("!"));
  const folders = readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== ".git" && !ignored(ignore, entry.name))
    .map((entry) => entry.name);
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  return { root, ignore, folders: new Set(folders), scripts: new Set(Object.keys(pkg.scripts)) };
}

/**
 * Whether .gitignore leaves `path` out (a build output or cache the docs may name before it
 * exists): a pattern with a slash matches from the root, one without matches any segment; `*`
 * is any run of characters within a segment. Enough for this repository's .gitignore.
 */
export function ignored(patterns: readonly string[], path: string): boolean {
  const glob = (pattern: string) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*")}$`);
  const segments = path.replace(/\/$/, "").split("/");
  return patterns.some((pattern) =>
    pattern.includes("/")
      ? segments.some((_, i) => glob(pattern).test(segments.slice(0, i + 1).join("/")))
      : segments.some((segment) => glob(pattern).test(segment)),
  );
}

const LINK = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const SCRIPT = /\bnpm run(?:\s+(?:-s|--silent))?\s+([\w:.-]+)/g;
const TOKEN = /(^|[\s([`'"=])([\w.@+-][\w./@+-]*)/g;
const PLACEHOLDER = /^[<{*…$]/;

/** Everything `text` names; `markdown` turns on links. */
export function findReferences(text: string, folders: ReadonlySet<string>, markdown: boolean): Reference[] {
  const found: Reference[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    const at = index + 1;
    if (markdown) for (const m of line.matchAll(LINK)) found.push({ kind: "link", text: m[1]!, line: at });
    for (const m of line.matchAll(SCRIPT)) found.push({ kind: "script", text: m[1]!, line: at });
    for (const m of line.matchAll(TOKEN)) {
      const start = m.index + m[1]!.length;
      if (/^[a-z][\w+.-]*:\/\//i.test(line.slice(start))) continue; // a URL's scheme
      const token = m[2]!.replace(/[.,:]+$/, "");
      const slash = token.indexOf("/");
      if (slash < 1 || !folders.has(token.slice(0, slash))) continue;
      if (PLACEHOLDER.test(line.slice(start + m[2]!.length))) continue;
      if (token.split("/").some((segment) => /^[A-Z][A-Z_]*$/.test(segment))) continue;
      found.push({ kind: "path", text: token, line: at });
    }
  }
  return found;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc}\s-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/**
 * The references in `text` that do not exist, as "file:line: what", for a document at
 * `source` (a path relative to the root; links resolve from its folder).
 */
export function brokenReferences(repo: Repository, source: string, text: string, markdown: boolean): string[] {
  const problems: string[] = [];
  for (const ref of findReferences(text, repo.folders, markdown)) {
    const where = `${source}:${ref.line}`;
    if (ref.kind === "script") {
      if (!repo.scripts.has(ref.text)) problems.push(`${where}: npm run ${ref.text}: no such script in package.json`);
      continue;
    }
    if (ref.kind === "path") {
      if (!existsSync(join(repo.root, ref.text)) && !ignored(repo.ignore, ref.text))
        problems.push(`${where}: ${ref.text} does not exist`);
      continue;
    }
    if (/^[a-z][\w+.-]*:/i.test(ref.text)) continue; // https:, mailto:
    const [target = "", anchor] = ref.text.split("#", 2);
    const file = target === "" ? source : normalize(join(dirname(source), decodeURI(target)));
    if (file.startsWith("..") || (file !== source && !existsSync(join(repo.root, file)))) {
      problems.push(`${where}: link ${ref.text}: ${relative(".", file)} does not exist`);
      continue;
    }
    if (anchor && file.endsWith(".md")) {
      const headings = anchors(file === source ? text : readFileSync(join(repo.root, file), "utf8"));
      if (!headings.has(anchor)) problems.push(`${where}: link ${ref.text}: ${file} has no heading #${anchor}`);
    }
  }
  return problems;
}
