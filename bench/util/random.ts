/** A seeded generator (xorshift32), so every run and every subject draws the same sequence of documents. */
export function seededRandom(seed = 0x9e3779b9): (below: number) => number {
  let state = seed >>> 0 || 1;
  return (below) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % below;
  };
}
