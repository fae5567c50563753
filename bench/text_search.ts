/**
 * `node dist/bench/text_search.js`: what a text index costs on the SQLite engine. Inserts 20,000 documents of a
 * 4-word title and a 30-word body drawn from 34 words, without and with a text index over both fields (about 28
 * entries per document), then times a scored top-10 search of two common words (each in about two thirds of the
 * documents, all of which are read and scored, as mongod reads them) and a phrase count, and the tokenizer and
 * scorer alone. Prints a table; not part of `npm run bench`.
 */
import { Client } from '../src/index.js';
import { fixTextIndexSpec, scoreDocument, textIndexInfo } from '../src/query/text/index.js';

const N = 20_000;
const WORDS = ('coffee tea cake bake shop java market river mountain cloud rain sun bread butter milk cheese apple orange ' +
  'garden flower house street city village road car train plane music song book story').split(' ');

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const sentence = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ');
const docs = Array.from({ length: N }, (_, i) => ({ _id: i, title: sentence(4), body: sentence(30) }));

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = performance.now();
  const result = await work();
  return [performance.now() - start, result];
}

const rows: [string, string][] = [];
const client = await Client.open(':memory:');
try {
  const coll = client.db('bench').collection('docs');
  const [plain] = await timed(() => coll.insertMany(docs.map((d) => ({ ...d }))));
  rows.push([`insert ${N} documents, no text index`, `${plain.toFixed(0)} ms`]);
  await coll.deleteMany({});
  await coll.createIndex({ title: 'text', body: 'text' }, { weights: { title: 5 } });
  const [indexed] = await timed(() => coll.insertMany(docs.map((d) => ({ ...d }))));
  rows.push([`insert ${N} documents with a text index`, `${indexed.toFixed(0)} ms`]);
  const [search, found] = await timed(() => coll.find({ $text: { $search: 'garden train' } }, { projection: { s: { $meta: 'textScore' } } }).sort({ s: { $meta: 'textScore' } }).limit(10).toArray());
  rows.push(["top 10 by score of 'garden train'", `${search.toFixed(0)} ms (${found.length} returned)`]);
  const [phrase, count] = await timed(() => coll.countDocuments({ $text: { $search: '"garden train"' } }));
  rows.push(['count of the phrase "garden train"', `${phrase.toFixed(0)} ms (${count} documents)`]);
} finally {
  await client.close();
}
const info = textIndexInfo(fixTextIndexSpec({ key: { title: 'text', body: 'text' }, name: 'bench' }));
const start = performance.now();
for (const doc of docs) scoreDocument(info, doc);
rows.push([`tokenize, stem and score ${N} documents`, `${(performance.now() - start).toFixed(0)} ms`]);

const width = Math.max(...rows.map(([label]) => label.length));
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
