/** Every scenario, in the order the report lists them. */
import { auth } from './auth.js';
import { catchUp } from './catch_up.js';
import { fanOut } from './fan_out.js';
import { geoNear } from './geo_near.js';
import { indexedQueries } from './indexed_queries.js';
import { insertMany } from './insert_many.js';
import { largeDocuments } from './large_documents.js';
import { lookup } from './lookup.js';
import { mixed } from './mixed.js';
import { queries } from './queries.js';
import { singleInserts } from './single_inserts.js';
import { transactions } from './transactions.js';
import type { Scenario } from './types.js';

export const SCENARIOS: readonly Scenario[] = [singleInserts, insertMany, fanOut, catchUp, mixed, transactions, queries, largeDocuments, indexedQueries, auth, lookup, geoNear];

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
