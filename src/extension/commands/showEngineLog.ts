import type { CommandDef } from './command';

export const showEngineLog: CommandDef = {
  id: 'runlight.showEngineLog',
  run(s) {
    s.log.show(true);
  },
};
