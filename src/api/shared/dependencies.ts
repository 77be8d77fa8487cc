import type { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import type { IdentityProtection } from '../../db/persons';
import type { QueryLog } from '../../db/query-log';
import type { ScoreExplainer } from '../../db/scores';
import type { IncentiveDefinition } from '../../domain/incentive';
import type { Logger } from '../../logger';
import type { EncryptionCodec } from '../../temporal/codec';
import type { TokenVerifier } from '../auth';
import type { AttestationSigner } from './attestations';
import type { ParsedVersions } from './parsed-versions';
import type { ReadViews } from './read-views';
import type { WebUi } from './sla-report';

/** What every route plugin is given (DESIGN.md: the API reads Postgres or talks to Temporal). */
export interface ApiDependencies {
  pool: pg.Pool;
  /** The hottest reads' views, kept current by Postgres's notifications. */
  readViews: ReadViews;
  /** The query register's writer (Art. 22), committing the reads answered together. */
  queryLog: QueryLog;
  /** Explains scores, keeping each model version parsed once. */
  scores: ScoreExplainer;
  /** Incentive definitions, each parsed once. */
  incentiveDefinitions: ParsedVersions<IncentiveDefinition>;
  client: Client;
  /** The client's connection, for the health check. */
  connection: Connection;
  codec: EncryptionCodec;
  /** Turns identity numbers into the keyed hash and sealed form that workflows carry. */
  identity: IdentityProtection;
  verifyToken: TokenVerifier;
  logger: Logger;
  taskQueue: string;
  /** Signs the platform's score attestations and publishes their keys (Art. 19). */
  attestations: AttestationSigner;
  /** Origins of the Temporal Web UI allowed to call the codec endpoint with credentials. */
  codecOrigins: string[];
  /** The Temporal Web UI the SLA board links to. */
  webUi: WebUi;
  /** Whether the pages' cookies are Secure (always in production; locally the API speaks plain HTTP). */
  secureCookies: boolean;
}

