/** The small document every subject writes, so that every subject does the same work. */

export interface BenchDoc {
  _id: string;
  n: number;
  name: string;
  group: number;
  active: boolean;
  score: number;
}

/** The i-th document; `n` carries i so a change event can be matched to its write. */
export function makeDoc(i: number): BenchDoc {
  return { _id: `d${i}`, n: i, name: `user ${i}`, group: i % 16, active: i % 2 === 0, score: i * 0.5 };
}

export function makeDocs(from: number, count: number): BenchDoc[] {
  const docs: BenchDoc[] = new Array(count);
  for (let i = 0; i < count; i++) docs[i] = makeDoc(from + i);
  return docs;
}
