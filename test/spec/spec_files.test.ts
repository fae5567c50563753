/** The spec-file lookup order (spec_files.ts), each candidate laid out in a scratch folder. */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { removeDir, tempDir } from '../helpers/embedded.js';
import { findSpecDir, SPEC_FILES_MISSING, specDirCandidates, specFilesMissing } from './spec_files.js';

describe('spec file lookup', () => {
  let scratch: string;
  let root: string;
  beforeEach(() => {
    scratch = tempDir('eddydb-spec-lookup-');
    root = join(scratch, 'eddydb');
    mkdirSync(root);
  });
  afterEach(() => removeDir(scratch));

  test('nothing there: not found, and the message names every place looked at', () => {
    assert.equal(findSpecDir(root, {}), undefined);
    assert.equal(specFilesMissing(root, {}), SPEC_FILES_MISSING);
    assert.match(SPEC_FILES_MISSING, /EDDYDB_SPEC_DIR, \.\.\/shared\/spec, spec\//);
  });

  test('spec/ in the repository is the last resort', () => {
    mkdirSync(join(root, 'spec'));
    assert.equal(findSpecDir(root, {}), join(root, 'spec'));
    assert.equal(specFilesMissing(root, {}), undefined);
  });

  test('the sibling checkout comes before spec/', () => {
    mkdirSync(join(root, 'spec'));
    mkdirSync(join(scratch, 'shared', 'spec'), { recursive: true });
    assert.equal(findSpecDir(root, {}), join(scratch, 'shared', 'spec'));
  });

  test('EDDYDB_SPEC_DIR comes first, relative paths from the root', () => {
    mkdirSync(join(root, 'spec'));
    mkdirSync(join(scratch, 'shared', 'spec'), { recursive: true });
    mkdirSync(join(scratch, 'elsewhere'));
    assert.equal(findSpecDir(root, { EDDYDB_SPEC_DIR: '../elsewhere' }), join(scratch, 'elsewhere'));
    assert.deepEqual(specDirCandidates(root, { EDDYDB_SPEC_DIR: '../elsewhere' }), [join(scratch, 'elsewhere'), join(scratch, 'shared', 'spec'), join(root, 'spec')]);
  });

  test('an EDDYDB_SPEC_DIR that does not exist, or is a file, falls through to the next candidate', () => {
    mkdirSync(join(root, 'spec'));
    writeFileSync(join(scratch, 'a-file'), '');
    assert.equal(findSpecDir(root, { EDDYDB_SPEC_DIR: join(scratch, 'missing') }), join(root, 'spec'));
    assert.equal(findSpecDir(root, { EDDYDB_SPEC_DIR: join(scratch, 'a-file') }), join(root, 'spec'));
  });

  test('an empty EDDYDB_SPEC_DIR counts as unset, not as the root itself', () => {
    assert.equal(findSpecDir(root, { EDDYDB_SPEC_DIR: '' }), undefined);
  });
});
