import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { bulkIntakeSummary, bulkIntakeWorkflowId, bulkIntakeWorkflowType, type BulkIntakeWorkflow } from '../../workflows/bulk-intake/contract';
import { actorOf } from '../auth';
import { ApiError, refusals } from '../errors';
import type { ApiDependencies } from '../shared/dependencies';
import { organisationOf } from '../shared/organisations';
import { throughTemporal } from '../workflow-failures';
import { batchOf, batchRowResults } from './queries';
import { BatchTooLarge, BulkRowProblem, bulkText, CsvSyntaxError, stageBatch, type BulkFormat } from './staging';

const FORMATS: Record<string, BulkFormat> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'text/csv': 'csv',
};

const rowResult = z.object({
  row: z.number(),
  outcome: z.enum(['accepted', 'refused', 'duplicate']),
  reference: z.string().nullable(),
  field: z.string().nullable(),
  reason: z.string().nullable(),
  recordId: z.string().nullable(),
});

/**
 * Bulk intake (Art. 10): many records in one request, as a JSON array, NDJSON or CSV. The rows
 * are staged as they stream in; one batch workflow checks and stores them and closes their
 * obligations; per-row results are read back by batch id.
 */
export const bulkIntakeRoutes: FastifyPluginAsyncZod<ApiDependencies> = async (app, deps) => {
  // In this plugin only, bodies stay streams: a batch can be far larger than any buffered body.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) => done(null, payload));

  app.post(
    '/records/bulk',
    {
      config: { roles: ['agency', 'provider'] },
      schema: {
        summary: 'Share many records at once: JSON array, NDJSON, or CSV with detail.<key> columns',
        description:
          'CSV columns: reference, identityNumber, category, typeCode, formedOn, tier (optional), evidence (kind:ref|kind:ref), attestedBy, attestedAt, detail.<key>. ' +
          'Answers once the rows are staged, with the batch id; the batch workflow checks and stores them, ' +
          'and GET /records/batches/{batchId} gives the per-row results.',
        tags: ['records'],
        response: { 202: z.object({ batchId: z.string(), workflowId: z.string(), rows: z.number() }) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const sharer = await organisationOf(deps.pool, actor);
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const format = FORMATS[mediaType];
      if (!format) throw new ApiError(415, 'unsupported-media-type', `Send ${Object.keys(FORMATS).join(', ')}`, 'content-type');
      let staged;
      try {
        staged = await stageBatch(deps.pool, deps.identity, {
          sharerId: sharer.id,
          source: format,
          receivedBy: actor.subject,
          text: bulkText(format, request.body as Readable),
        });
      } catch (error) {
        if (error instanceof BatchTooLarge) throw new ApiError(413, 'batch-too-large', error.message);
        if (error instanceof SyntaxError) throw new ApiError(400, 'invalid-input', `body: ${error.message}`, 'body');
        if (error instanceof BulkRowProblem) throw new ApiError(400, error.code, error.message, error.field);
        if (error instanceof CsvSyntaxError) throw new ApiError(400, 'invalid-csv', `body: ${error.message}`, 'body');
        throw error;
      }
      const workflowId = bulkIntakeWorkflowId(staged.batchId);
      await throughTemporal(
        () =>
          deps.client.workflow.start<BulkIntakeWorkflow>(bulkIntakeWorkflowType, {
            taskQueue: deps.taskQueue,
            workflowId,
            args: [{ batchId: staged.batchId, sharerId: sharer.id, sharerKind: sharer.kind, chunks: staged.chunks }],
            staticSummary: bulkIntakeSummary({ sharerId: sharer.id, sharerKind: sharer.kind, chunks: staged.chunks }),
          }),
        { message: `No batch ${staged.batchId}`, field: 'batchId' },
      );
      return reply.status(202).send({ batchId: staged.batchId, rows: staged.rows, workflowId });
    },
  );

  app.get(
    '/records/batches/:batchId',
    {
      config: { roles: ['agency', 'provider'] },
      schema: {
        summary: 'A batch and its per-row results (accepted, refused with field and reason, duplicate)',
        tags: ['records'],
        params: z.strictObject({ batchId: z.uuid() }),
        querystring: z.strictObject({
          outcome: z.enum(['accepted', 'refused', 'duplicate']).optional(),
          afterRow: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(10_000).default(1000),
        }),
        response: {
          ...refusals(404),
          200: z.object({
            batchId: z.string(),
            rows: z.number(),
            rowsStored: z.number().describe('rows with their outcome so far (a progress bar follows it)'),
            finished: z.boolean().describe('every row has its outcome'),
            personsAnswered: z.boolean().describe('every person with an accepted row has been notified and rescored'),
            accepted: z.number().nullable(),
            refused: z.number().nullable(),
            duplicates: z.number().nullable(),
            results: z.array(rowResult),
          }),
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const batch = await batchOf(deps.pool, request.params.batchId, actor.agencyId!);
      if (!batch) throw new ApiError(404, 'not-found', `No batch ${request.params.batchId} of ${actor.agencyId}`, 'batchId');
      return { batchId: request.params.batchId, ...batch, results: await batchRowResults(deps.pool, request.params.batchId, request.query) };
    },
  );
};
