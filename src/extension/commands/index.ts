import type { CommandDef } from './command';
import { cancelAll } from './cancelAll';
import { cancelRun } from './cancelRun';
import { clearFilter } from './clearFilter';
import { completeWaitToken } from './completeWaitToken';
import { copyPublicToken } from './copyPublicToken';
import { copyMcpConfiguration } from './copyMcpConfiguration';
import { copyRunId } from './copyRunId';
import { createExampleTask } from './createExampleTask';
import { copySdkEnvironment } from './copySdkEnvironment';
import { filterRuns } from './filterRuns';
import { openRun } from './openRun';
import { openTaskSource } from './openTaskSource';
import { refresh } from './refresh';
import { replayFailed } from './replayFailed';
import { replayRun } from './replayRun';
import { restartEngine } from './restartEngine';
import { setRemoteEngineKey } from './setRemoteEngineKey';
import { showEngineLog } from './showEngineLog';
import { showMore } from './showMore';
import { startEngine } from './startEngine';
import { stopEngine } from './stopEngine';
import { triggerTask } from './triggerTask';
import { debugTask } from './debugTask';
import { debugReplay } from './debugReplay';
import { submitTriggerForm } from './submitTriggerForm';
import { pickPayloadFromHistory } from './pickPayloadFromHistory';
import { replayWithEditedPayload } from './replayWithEditedPayload';
import { activateSchedule } from './activateSchedule';
import { deactivateSchedule } from './deactivateSchedule';
import { runScheduleNow } from './runScheduleNow';

/** Every command of the extension; package.json `contributes.commands` lists the same ids. */
export const COMMANDS: readonly CommandDef[] = [
  triggerTask,
  debugTask,
  submitTriggerForm,
  pickPayloadFromHistory,
  replayWithEditedPayload,
  openRun,
  cancelRun,
  replayRun,
  debugReplay,
  cancelAll,
  replayFailed,
  copyRunId,
  copyPublicToken,
  copySdkEnvironment,
  filterRuns,
  clearFilter,
  refresh,
  startEngine,
  stopEngine,
  restartEngine,
  setRemoteEngineKey,
  showEngineLog,
  showMore,
  openTaskSource,
  completeWaitToken,
  copyMcpConfiguration,
  activateSchedule,
  deactivateSchedule,
  runScheduleNow,
  createExampleTask,
];
