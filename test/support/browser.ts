import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../src/project-root';
import { isExecutable } from '../../src/temporal/binaries';

/** Where screenshots go: test artifacts, ignored by git. */
export const SCREENSHOT_DIR = join(projectRoot, 'test-results', 'browser');

/** The names Debian's (and Ubuntu's) Chromium goes by on PATH, as scripts/setup.mjs looks for them. */
const CHROMIUM_BINARIES = ['chromium', 'chromium-browser'];

const HINT =
  'The browser tests need Chromium: run "node scripts/setup.mjs" (it installs Debian\'s chromium package with apt-get), ' +
  'or set CHROMIUM_PATH to a Chromium executable.';

/**
 * The Chromium the browser tests drive, in the order scripts/setup.mjs uses: CHROMIUM_PATH, then
 * `chromium` or `chromium-browser` on PATH. Never a test tool's own browser download.
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    // An explicit setting that is wrong is an error, not a reason to fall through silently.
    throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file. ${HINT}`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const binary of CHROMIUM_BINARIES) {
      const candidate = join(dir, binary);
      if (isExecutable(candidate)) return candidate;
    }
  }
  throw new Error(`No Chromium found: CHROMIUM_PATH is unset and neither ${CHROMIUM_BINARIES.join(' nor ')} is on PATH. ${HINT}`);
}

/**
 * Headless Chromium through playwright-core. As root (as on these machines) Chromium refuses to
 * start without --no-sandbox; --disable-dev-shm-usage keeps a container's small /dev/shm from
 * crashing it.
 */
export async function launchBrowser(): Promise<Browser> {
  const args = ['--disable-dev-shm-usage'];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args });
}

/** Writes the page as test-results/browser/<name>.png and returns the file's path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path, fullPage: true });
  return path;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** An accessibility rule a page breaks, with where. */
export interface Violation {
  rule: string;
  impact: string | null;
  targets: string[];
}

/**
 * The page checked by axe-core against WCAG 2.1 A and AA (labels, contrast, `lang`, names of
 * controls, landmarks). axe is evaluated through the DevTools protocol, which the pages' Content
 * Security Policy does not govern: the pages themselves stay as strict as they are.
 */
export async function accessibilityViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(AXE_SOURCE);
  // Run in the page, as text: this project's TypeScript has no DOM types.
  return (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((result) =>
    result.violations.map((violation) => ({ rule: violation.id, impact: violation.impact, targets: violation.nodes.map((node) => node.target.join(' ')) })))`)) as Violation[];
}
