import { z } from 'zod';

/** The body of every error answer (RFC 9457 `application/problem+json`) with Sextant's stable `code`. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.unknown()).optional(),
  })
  .meta({ id: 'Problem' });

export type Problem = z.output<typeof problemSchema>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
