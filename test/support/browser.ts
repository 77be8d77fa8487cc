import { mkdirSync } from 'node:fs';
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
