import { Readable } from 'node:stream';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../core/index.js';
import type { Ctx } from '../store/index.js';
import { pageQuery } from '../api/wire.js';
import { fieldList, suggestMapping } from './fields.js';
import { acceptUpload, inspectHead, MAX_UPLOAD_BYTES } from './file.js';
import { errorsCsv, getJob, importView, listErrors, listJobs } from './jobs.js';
import { type ImportJob, importErrorView, importView as importViewSchema, previewInput, previewView } from './schema.js';

const config = { permission: 'customers:write' } as const;
const idParams = z.object({ id: z.string().uuid() });
const errorPage = z.object({ items: z.array(importErrorView), nextCursor: z.string().nullable() });

/**
 * Bulk imports: preview a file's head for the mapping step, upload it (multipart: the fields
 * kind, format, encoding and mapping, then the file), follow its progress, read its error report.
 */
export const importRoutes: FastifyPluginAsyncZod<{ ctx: Ctx }> = async (app, { ctx }) => {
  await app.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, fieldSize: 100_000, parts: 12 } });

  app.post(
    '/api/imports/preview',
    {
      config,
      schema: { tags: ['imports'], summary: "A file's columns, first rows and the suggested field mapping, from its first bytes", body: previewInput, response: { 200: previewView } },
    },
    async (req) => {
      const head = Buffer.from(req.body.sample, 'base64');
      const inspection = await inspectHead(head, { filename: req.body.filename, format: req.body.format, encoding: req.body.encoding, complete: req.body.complete });
      return { ...inspection, suggested: suggestMapping(req.body.kind, inspection.columns), fields: fieldList(req.body.kind) };
    },
  );

  app.post(
    '/api/imports',
    {
      config,
      schema: {
        tags: ['imports'],
        summary: 'Upload a CSV or JSONL file of customers, orders or events; the import runs in the background (202)',
        description: `multipart/form-data: the fields kind, format (csv or jsonl, from the name when absent), encoding (utf-8 or gb18030) and mapping (JSON {"column": "field"}, suggested from the header when absent), then the file (up to ${MAX_UPLOAD_BYTES / 1024 ** 3} GB).`,
        consumes: ['multipart/form-data'],
        response: { 202: importViewSchema },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new AppError('unsupported_media_type', 'send multipart/form-data: the fields kind and mapping, then the file');
      const fields: Record<string, string> = {};
      let job: ImportJob | null = null;
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          if (typeof part.value === 'string') fields[part.fieldname] = part.value;
          continue;
        }
        try {
          job = await acceptUpload(ctx, req.principal.workspace.id, req.principal.actor.name, fields, { filename: part.filename ?? '', stream: part.file });
        } catch (err) {
          part.file.resume(); // let the rest of the upload through, so the client reads the answer
          if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw new AppError('payload_too_large', `the file is larger than ${MAX_UPLOAD_BYTES / 1024 ** 3} GB: split it`);
          throw err;
        }
      }
      if (!job) throw new AppError('validation_failed', 'the form has no file', [{ path: 'file', message: 'attach the file (after the other fields)' }]);
      return reply.code(202).send(importView(job));
    },
  );

  app.get(
    '/api/imports',
    { config, schema: { tags: ['imports'], summary: 'Imports, newest first', querystring: pageQuery, response: { 200: z.object({ items: z.array(importViewSchema), nextCursor: z.string().nullable() }) } } },
    async (req) => listJobs(ctx, req.principal.workspace.id, req.query),
  );

  app.get(
    '/api/imports/:id',
    { config, schema: { tags: ['imports'], summary: 'One import: status, progress and summary', params: idParams, response: { 200: importViewSchema } } },
    async (req) => importView(await getJob(ctx, req.principal.workspace.id, req.params.id)),
  );

  app.get(
    '/api/imports/:id/errors',
    {
      config,
      schema: {
        tags: ['imports'],
        summary: 'The error report: refused rows with line, field and reason (JSON pages, or the whole report as CSV)',
        params: idParams,
        querystring: pageQuery.extend({ format: z.enum(['json', 'csv']).default('json') }),
        description: 'format=json (default): {items, nextCursor} pages of {line, field, column, reason, value}; format=csv: every error as one CSV download.',
        produces: ['application/json', 'text/csv'],
      },
    },
    async (req, reply) => {
      const job = await getJob(ctx, req.principal.workspace.id, req.params.id);
      if (req.query.format === 'json') return errorPage.parse(await listErrors(ctx, job.workspace_id, job.id, req.query));
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="import-${job.id}-errors.csv"`)
        .send(Readable.from(errorsCsv(ctx, job.workspace_id, job.id)));
    },
  );
};
