// Runlight compatibility suite stub (not from the docs): the `@/utils` module that docs/runs/metadata.mdx
// (block 22) imports but does not show: the row and file schemas and a CSV reader that returns three rows.
import { z } from 'zod';

export const CSVRow = z.object({ name: z.string(), email: z.string() });
export type CSVRow = z.infer<typeof CSVRow>;
export const UploadedFileData = z.object({ url: z.string() });
export type UploadedFileData = z.infer<typeof UploadedFileData>;

export async function parseCSVFromUrl(_url: string): Promise<CSVRow[]> {
  return [
    { name: 'Ada', email: 'ada@example.com' },
    { name: 'Alan', email: 'alan@example.com' },
    { name: 'Grace', email: 'grace@example.com' },
  ];
}
