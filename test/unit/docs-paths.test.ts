import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root';

/**
 * The documentation names files and folders of the repository, in code spans (`src/api/server.ts`,
 * `npm test` aside) and in links ([docs/releases.md](docs/releases.md)). A file moved or renamed
 * leaves such a name pointing nowhere; this test finds it.
 *
 * CHANGELOG.md is read too: so far it names only paths that still exist. Should an entry come to
 * name a path a later release removed, it is history and stays as written: leave that entry out
 * here rather than editing it.
 */
const documents = ['README.md', 'RELIABILITY.md', 'CHANGELOG.md', ...readdirSync(join(projectRoot, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** Folders git ignores (`.data/`, `.tools/`, `test-results/`...): made at run time, absent from a clone. */
const ignoredFolders = readFileSync(join(projectRoot, '.gitignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line.endsWith('/') && !line.includes('*'))
  .map((line) => line.replace(/^\/|\/$/g, ''));

/** What the repository holds at its top, but what git ignores: a path starting with one of these is the repository's. */
const topLevel = new Set(readdirSync(projectRoot).filter((name) => name !== '.git' && !ignoredFolders.includes(name)));

/** A name ending so is a file of the repository's kinds, wherever it is written. */
const fileExtension = /[^/.]\.(ts|mts|mjs|cjs|js|json|md|txt|sql|ya?ml)$/;

/**
 * Bare file names the documentation uses for files that are not one file at the repository's top:
 * one in each process folder, made at run time, or one per kept release.
 */
const genericFileNames = new Set(['contract.ts', 'index.ts', 'dev-secrets.json', 'manifest.json']);

/** A code span's text as a repository path, or nothing when it names something else. */
function pathInCodeSpan(span: string): string | undefined {
  const text = span.replace(/#[\w-]*$/, '').replace(/:\d+(-\d+)?$/, '');
  if (text === '' || /\s/.test(text)) return undefined; // a command, a route, a sentence
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return undefined; // a URL
  if (/[*{}<>…$=()'"?,]|\.\.\./.test(text)) return undefined; // a glob, a placeholder, an expression
  if (text.startsWith('/') || text.startsWith('../')) return undefined; // a route, or outside the repository
  const first = text.split('/')[0]!;
  if (/^[A-Z][A-Z0-9_]*$/.test(first)) return undefined; // under a configured folder: `DATA_DIR/postgres`
  if (ignoredFolders.includes(first)) return undefined; // made at run time
  if (topLevel.has(first) && (text.includes('/') || fileExtension.test(text))) return text;
  if (text.includes('/')) return fileExtension.test(text) ? text : undefined; // `@temporalio/workflow`, a workflow id
  return fileExtension.test(text) && !genericFileNames.has(text) ? text : undefined;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces made hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutFencedBlocks(markdown).matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const anchor = anchorOf(heading!);
    const times = seen.get(anchor) ?? 0;
    anchors.add(times === 0 ? anchor : `${anchor}-${times}`);
    seen.set(anchor, times + 1);
  }
  return anchors;
}

/** Fenced blocks hold commands and examples (`notice-2027.json`), not the repository's paths. */
function withoutFencedBlocks(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

interface Named {
  document: string;
  written: string;
  /** Relative to the repository's root. */
  path: string;
  anchor?: string;
}

function namedIn(document: string): Named[] {
  const text = withoutFencedBlocks(readFileSync(join(projectRoot, document), 'utf8'));
  const named: Named[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // http:, https:, mailto:
    const [file, anchor] = target!.split('#') as [string, string | undefined];
    const path = file === '' ? document : relative(projectRoot, join(projectRoot, dirname(document), file));
    named.push({ document, written: target!, path, anchor });
  }
  for (const [, span] of text.replace(/\]\([^)\s]+\)/g, ']').matchAll(/`([^`]+)`/g)) {
    const path = pathInCodeSpan(span!);
    if (path !== undefined) named.push({ document, written: span!, path });
  }
  return named;
}

describe('The documentation names only paths that exist', () => {
  it.each(documents)('%s', (document) => {
    const named = namedIn(document);
    const missing = named.filter((name) => !existsSync(join(projectRoot, name.path))).map((name) => name.written);
    expect(missing, `${document} names paths that do not exist`).toEqual([]);

    const brokenAnchors = named
      .filter((name) => name.anchor !== undefined && name.path.endsWith('.md') && existsSync(join(projectRoot, name.path)))
      .filter((name) => !anchorsOf(readFileSync(join(projectRoot, name.path), 'utf8')).has(name.anchor!))
      .map((name) => name.written);
    expect(brokenAnchors, `${document} links to headings that do not exist`).toEqual([]);
  });

  it('reads paths as the documentation writes them', () => {
    expect(pathInCodeSpan('src/api/server.ts:42')).toBe('src/api/server.ts');
    expect(pathInCodeSpan('package.json')).toBe('package.json');
    expect(pathInCodeSpan('.ci/run')).toBe('.ci/run');
    expect(pathInCodeSpan('api/shared/outages.ts')).toBe('api/shared/outages.ts');
    for (const notAPath of ['npm test', 'GET /records/{reference}', 'test/replay/histories/<release>/', 'src/**/*.ts', '@temporalio/workflow', 'objection/{id}', '.data/postgres', 'DATA_DIR/dev-secrets.json', 'records.tier', 'http://localhost:3000/codec', '../shared/DESIGN.md', 'contract.ts']) {
      expect(pathInCodeSpan(notAPath), notAPath).toBeUndefined();
    }
    expect(anchorOf('## Credit records (Art. 3, 8, 9, 10)'.replace(/^#+/, ''))).toBe('credit-records-art-3-8-9-10');
    expect(anchorOf("The API's edge")).toBe('the-apis-edge');
  });
});
