import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { isDependencyOutage } from '../../src/api/shared/outages';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
const grpc = (code: number) => Object.assign(new Error('grpc'), { code, details: 'down', metadata: {} });

describe('A dependency out of reach answers 503, anything else stays a fault', () => {
  it('recognises Postgres down, shutting down, starting up or cut off', () => {
    expect(isDependencyOutage(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))).toBe(true);
    expect(isDependencyOutage(withCode('terminating connection due to administrator command', '57P01'))).toBe(true);
    expect(isDependencyOutage(withCode('the database system is starting up', '57P03'))).toBe(true);
    expect(isDependencyOutage(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('recognises the Temporal server unreachable or too slow, also as the cause of the client error', () => {
    expect(isDependencyOutage(grpc(14))).toBe(true);
    expect(isDependencyOutage(new ServiceError('Failed to start workflow', { cause: grpc(4) }))).toBe(true);
  });

  it('leaves faults and refusals alone', () => {
    expect(isDependencyOutage(new Error('Cannot read properties of undefined'))).toBe(false);
    expect(isDependencyOutage(withCode('duplicate key value violates unique constraint', '23505'))).toBe(false);
    expect(isDependencyOutage(grpc(3))).toBe(false);
    expect(isDependencyOutage('not an error')).toBe(false);
  });
});
