import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hostUris } from '../../../../src/storage/postgres/hosts.js';

describe('hostUris: one URI per listed host', () => {
  test('a URI with one host comes back as it is', () => {
    assert.deepEqual(hostUris('postgresql://eddy:secret@db.example:5432/app?sslmode=disable'), ['postgresql://eddy:secret@db.example:5432/app?sslmode=disable']);
    assert.deepEqual(hostUris('postgres://localhost/app'), ['postgres://localhost/app']);
  });

  test('several hosts keep the user, password, database and parameters, in the order given', () => {
    assert.deepEqual(hostUris('postgresql://eddy:secret@h1:5432,h2:5433,[::1]:5434/app?sslmode=disable'), [
      'postgresql://eddy:secret@h1:5432/app?sslmode=disable',
      'postgresql://eddy:secret@h2:5433/app?sslmode=disable',
      'postgresql://eddy:secret@[::1]:5434/app?sslmode=disable',
    ]);
    assert.deepEqual(hostUris('postgresql://h1,h2/app'), ['postgresql://h1/app', 'postgresql://h2/app']);
  });

  test('target_session_attrs is dropped: every connection looks for the writable host itself', () => {
    assert.deepEqual(hostUris('postgresql://u@h1,h2/app?target_session_attrs=read-write'), ['postgresql://u@h1/app', 'postgresql://u@h2/app']);
    assert.deepEqual(hostUris('postgresql://u@h1,h2/app?target_session_attrs=any&sslmode=disable'), ['postgresql://u@h1/app?sslmode=disable', 'postgresql://u@h2/app?sslmode=disable']);
    assert.deepEqual(hostUris('postgresql://u@h1,h2/app?sslmode=disable&target_session_attrs=any'), ['postgresql://u@h1/app?sslmode=disable', 'postgresql://u@h2/app?sslmode=disable']);
  });
});
