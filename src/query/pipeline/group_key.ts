/** ValueGroups lives with the expressions now ($addToSet uses it too); this name stays for its other importers. */
export { ValueGroups } from '../expressions/value_groups.js';
