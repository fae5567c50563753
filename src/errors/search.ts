import { mongoError, type MongoServerError } from './command_error.js';

/**
 * What mongod answers to the search index commands and $listSearchIndexes when no search index management host
 * (Atlas, or mongot in a local Atlas deployment) is configured, as eddydb never has one. Drivers and their spec
 * tests match on the code and on "Atlas" in the message.
 */
export function searchNotEnabled(): MongoServerError {
  return mongoError(
    'SearchNotEnabled',
    'Using Atlas Search Database Commands and the $listSearchIndexes aggregation stage requires additional configuration. ' +
      'Please connect to Atlas or an AtlasCLI local deployment to enable. For more information on how to connect, see ' +
      'https://dochub.mongodb.org/core/atlas-cli-deploy-local-reqs.',
  );
}
