import * as vscode from 'vscode';
import { errorMessage, pickRun, runIdFromArg } from './args';
import type { CommandDef } from './command';
import type { Services } from '../services';

const EXPIRIES = [
  { label: '15 minutes', value: '15m' },
  { label: '1 hour', value: '1h' },
  { label: '6 hours', value: '6h' },
  { label: '1 day', value: '1d' },
  { label: '7 days', value: '7d' },
];

/** The read scope for what the command was invoked on: a tag node, a batch node, or a run. */
async function scopeFor(s: Services, arg: unknown): Promise<{ scope: string; what: string } | undefined> {
  if (typeof arg === 'string') {
    const node = s.runsTree.node(arg);
    if (node?.kind === 'tag' && node.tag !== undefined) return { scope: `read:tags:${node.tag}`, what: `tag ${node.tag}` };
    if (node?.kind === 'batch' && node.batchId !== undefined) return { scope: `read:batch:${node.batchId}`, what: `batch ${node.batchId}` };
  }
  if (arg && typeof arg === 'object') {
    const o = arg as Record<string, unknown>;
    if (typeof o.tag === 'string') return { scope: `read:tags:${o.tag}`, what: `tag ${o.tag}` };
    if (typeof o.batchId === 'string') return { scope: `read:batch:${o.batchId}`, what: `batch ${o.batchId}` };
  }
  const runId = runIdFromArg(s, arg) ?? (await pickRun(s, 'Run to mint a Public Access Token for'));
  return runId ? { scope: `read:runs:${runId}`, what: `run ${runId}` } : undefined;
}

/** Mints a Public Access Token (read scope) with a chosen expiry and copies it. Returns the token. */
export const copyPublicToken: CommandDef = {
  id: 'runlight.copyPublicToken',
  async run(s, arg, expiry) {
    const target = await scopeFor(s, arg);
    if (!target) return undefined;
    const exp =
      typeof expiry === 'string'
        ? expiry
        : (await vscode.window.showQuickPick(EXPIRIES, { placeHolder: `Public Access Token for ${target.what}: expires in…` }))?.value;
    if (!exp) return undefined;
    try {
      const conn = await s.engine.ensureStarted();
      const token = await conn.client.createPublicToken([target.scope], exp);
      await vscode.env.clipboard.writeText(token);
      void vscode.window.showInformationMessage(`Runlight: copied a Public Access Token for ${target.what} (${target.scope}, expires in ${exp}).`);
      return token;
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not mint a token: ${errorMessage(err)}`);
      return undefined;
    }
  },
};
