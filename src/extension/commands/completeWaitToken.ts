import * as vscode from 'vscode';
import * as z from 'zod/mini';
import { innermostIssue } from '../../protocol/parse';
import { Json, type Run } from '../../protocol/run';
import type { WaitTokenItem } from '../../protocol/waitpoints';
import { formatRelative } from '../../shared/format';
import { waitedToken } from '../../shared/waits';
import { errorMessage, runIdFromArg } from './args';
import type { CommandDef } from './command';
import { parseTokenDataInput } from './inputs';
import type { Services } from '../services';

/** What was typed for a token and not sent (box closed, engine refused): offered again next time. */
const DRAFTS_KEY = 'runlight.waitTokenDrafts';
const MAX_DRAFTS = 20;

/**
 * `runlight.completeWaitToken` may be called with `{ tokenId | runId, data }` (tests, other extensions): no prompts
 * then. With `{ tokenId }` or `{ runId }` alone, a tree node id or a run id, it asks only for the data.
 */
const DirectArgs = z.object({
  tokenId: z.optional(z.string().check(z.minLength(1))),
  runId: z.optional(z.string().check(z.minLength(1))),
  data: z.optional(Json),
});

interface Target {
  tokenId: string;
  /** The run that waits on it, when one is known. */
  run?: Run;
}

function waiterOf(s: Services, tokenId: string): Run | undefined {
  return s.store.all().find((r) => r.status === 'WAITING' && waitedToken(r.waitingFor) === tokenId);
}

/** The token of a run that waits on one; says why not otherwise. */
async function tokenOfRun(s: Services, runId: string): Promise<Target | undefined> {
  let run = s.store.get(runId);
  if (!run) run = await (await s.engine.ensureStarted()).client.retrieveRun(runId);
  const tokenId = run.status === 'WAITING' ? waitedToken(run.waitingFor) : undefined;
  if (!tokenId) {
    void vscode.window.showWarningMessage(`Runlight: run ${runId} (${run.taskIdentifier}) is not waiting on a wait token.`);
    return undefined;
  }
  return { tokenId, run };
}

/** Palette: a quick pick of the tokens still WAITING, each with the run that waits on it. */
async function pickToken(s: Services): Promise<Target | undefined> {
  const conn = await s.engine.ensureStarted();
  const { data } = await conn.client.listWaitTokens({ status: 'WAITING', pageSize: 100 });
  if (!data.length) {
    void vscode.window.showInformationMessage('Runlight: no wait token is waiting to be completed.');
    return undefined;
  }
  const now = Date.now();
  const items = data.map((t: WaitTokenItem) => {
    const run = waiterOf(s, t.id);
    return {
      label: `$(debug-pause) ${t.id}`,
      description: run ? `${run.taskIdentifier} · ${run.id}` : 'no run waits on it yet',
      detail: [`created ${formatRelative(t.createdAt, now)}`, t.timeoutAt ? `times out ${t.timeoutAt}` : '', ...t.tags.map((tag) => `#${tag}`)]
        .filter(Boolean)
        .join('  '),
      target: { tokenId: t.id, ...(run ? { run } : {}) } satisfies Target,
    };
  });
  const picked = await vscode.window.showQuickPick(items, { placeHolder: 'Wait token to complete', matchOnDescription: true, matchOnDetail: true });
  return picked?.target;
}

async function resolveTarget(s: Services, arg: unknown): Promise<Target | undefined> {
  const direct = DirectArgs.safeParse(arg);
  if (direct.success && direct.data.tokenId) {
    const run = waiterOf(s, direct.data.tokenId);
    return { tokenId: direct.data.tokenId, ...(run ? { run } : {}) };
  }
  const runId = direct.success && direct.data.runId ? direct.data.runId : runIdFromArg(s, arg);
  if (runId) return tokenOfRun(s, runId);
  return pickToken(s);
}

function drafts(s: Services): Record<string, string> {
  return s.context.workspaceState.get<Record<string, string>>(DRAFTS_KEY, {});
}

async function saveDraft(s: Services, tokenId: string, text: string | undefined): Promise<void> {
  const all = { ...drafts(s) };
  delete all[tokenId];
  if (text !== undefined) all[tokenId] = text;
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_DRAFTS))) delete all[k];
  await s.context.workspaceState.update(DRAFTS_KEY, all);
}

/**
 * Asks for the data and sends it. The box stays open while the JSON is invalid (the error says where) and when the
 * engine refuses it (the error says why), so nothing typed is lost; what was typed and not sent is kept as a draft.
 * Resolves true once the token was completed.
 */
function askAndComplete(s: Services, target: Target, complete: (data: Json | undefined) => Promise<void>): Promise<boolean> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    const waiter = target.run ? ` (${target.run.taskIdentifier} · ${target.run.id} waits on it)` : '';
    box.title = `Complete wait token ${target.tokenId}`;
    box.prompt = `JSON the waiting run receives as the token's output; empty for none${waiter}`;
    box.placeholder = '{ "approved": true }';
    box.value = drafts(s)[target.tokenId] ?? '{}';
    box.ignoreFocusOut = true;
    let completed = false;
    const check = (text: string) => {
      const r = parseTokenDataInput(text);
      box.validationMessage = r.ok ? undefined : { message: r.message, severity: vscode.InputBoxValidationSeverity.Error };
      return r;
    };
    const subs = [
      box.onDidChangeValue(check),
      box.onDidAccept(async () => {
        const r = check(box.value);
        if (!r.ok || box.busy) return;
        box.busy = true;
        box.enabled = false;
        try {
          await complete(r.value);
          completed = true;
          box.hide();
        } catch (err) {
          box.validationMessage = { message: `Not completed: ${errorMessage(err)}`, severity: vscode.InputBoxValidationSeverity.Error };
        } finally {
          box.busy = false;
          box.enabled = true;
        }
      }),
      box.onDidHide(() => {
        void saveDraft(s, target.tokenId, completed ? undefined : box.value);
        for (const d of subs) d.dispose();
        box.dispose();
        resolve(completed);
      }),
    ];
    check(box.value);
    box.show();
  });
}

/** Completes a wait token with JSON data, so the run waiting on it resumes. Returns the token id once completed. */
export const completeWaitToken: CommandDef = {
  id: 'runlight.completeWaitToken',
  async run(s, arg) {
    const direct = DirectArgs.safeParse(arg);
    const hasData = typeof arg === 'object' && arg !== null && Object.hasOwn(arg, 'data');
    if (hasData && !direct.success) {
      // Called with data that is not JSON (or a bad id): say which field, never fall back to prompting.
      const issue = innermostIssue(direct.error.issues[0]!);
      throw new Error(`runlight.completeWaitToken: ${issue.path.map(String).join('.') || 'argument'}: ${issue.message}`);
    }
    let target: Target | undefined;
    try {
      target = await resolveTarget(s, arg);
    } catch (err) {
      void vscode.window.showErrorMessage(`Runlight: could not find the wait token: ${errorMessage(err)}`);
      if (hasData) throw err;
      return undefined;
    }
    if (!target) return undefined;
    const { tokenId } = target;
    const complete = async (data: Json | undefined) => {
      const conn = await s.engine.ensureStarted();
      await conn.client.completeWaitToken(tokenId, data);
      s.log.info(`Completed wait token ${tokenId}${target.run ? ` (run ${target.run.id} resumes)` : ''}`);
    };
    if (hasData && direct.success) {
      try {
        await complete(direct.data.data);
      } catch (err) {
        void vscode.window.showErrorMessage(`Runlight: could not complete wait token ${tokenId}: ${errorMessage(err)}`);
        throw err;
      }
      return tokenId;
    }
    if (!(await askAndComplete(s, target, complete))) return undefined;
    vscode.window.setStatusBarMessage(`$(pass) Runlight: completed wait token ${tokenId}`, 5000);
    return tokenId;
  },
};
