import type { CommandDef } from './command';
import { cancelRun } from './cancelRun';
import { clearFilter } from './clearFilter';
import { copyPublicToken } from './copyPublicToken';
import { copyRunId } from './copyRunId';
import { filterRuns } from './filterRuns';
import { openRun } from './openRun';
import { openTaskSource } from './openTaskSource';
import { refresh } from './refresh';
import { replayRun } from './replayRun';
import { restartEngine } from './restartEngine';
import { setRemoteEngineKey } from './setRemoteEngineKey';
import { showEngineLog } from './showEngineLog';
import { showMore } from './showMore';
import { startEngine } from './startEngine';
import { stopEngine } from './stopEngine';
import { triggerTask } from './triggerTask';
import { activateSchedule } from './activateSchedule';
import { deactivateSchedule } from './deactivateSchedule';
import { runScheduleNow } from './runScheduleNow';

/** Every command of the extension; package.json `contributes.commands` lists the same ids. */
export const COMMANDS: readonly CommandDef[] = [
  triggerTask,
  openRun,
  cancelRun,
  replayRun,
  copyRunId,
  copyPublicToken,
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
  activateSchedule,
  deactivateSchedule,
  runScheduleNow,
];
