import { searchNotEnabled } from '../../errors/index.js';
import type { StageParser } from './types.js';

/**
 * `$listSearchIndexes` lists the indexes of the search index management host, which eddydb never has; mongod
 * without one refuses the stage before parsing its specification, so a malformed one gets the same answer.
 */
export const parseListSearchIndexes: StageParser = () => {
  throw searchNotEnabled();
};
