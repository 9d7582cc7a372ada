import type { CommandDef } from './command';

export const stopEngine: CommandDef = {
  id: 'runlight.stopEngine',
  async run(s) {
    await s.engine.stop();
  },
};
