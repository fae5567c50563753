import { UUID } from '../bson/index.js';
import type { CommandDefinition } from './support/context.js';

export const startSession: CommandDefinition = {
  name: 'startSession',
  async run() {
    return { id: { id: new UUID() }, timeoutMinutes: 30 };
  },
};
