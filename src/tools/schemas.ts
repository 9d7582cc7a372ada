import * as z from 'zod/mini';
import type { Tool } from './tool';

/** A tool's input as the JSON Schema clients are shown (draft-07, without `$schema`): package.json carries the same. */
export function inputJsonSchema(tool: Pick<Tool, 'input'>): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(tool.input, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  return schema;
}
