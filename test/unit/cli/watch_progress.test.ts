import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Timestamp } from 'mongodb';
import { WatchProgress } from '../../../src/cli/watch_progress.js';

describe('eddydb watch progress line', () => {
  test('events seen, events per second since the last draw, and the lag of the last event', () => {
    let now = 1_000_000;
    const written: string[] = [];
    const progress = new WatchProgress((text) => written.push(text), () => now);
    progress.draw();
    assert.equal(written.pop(), '\r\x1b[K0 events, 0.0/s, lag -');

    now += 500;
    // wallTime (milliseconds) when the event has one, else clusterTime (seconds).
    progress.event({ wallTime: new Date(now - 250) });
    progress.event({ wallTime: new Date(now - 1750) });
    now += 500;
    progress.draw();
    assert.equal(written.pop(), '\r\x1b[K2 events, 2.0/s, lag 1.8 s');

    for (let i = 0; i < 40; i++) progress.event({ clusterTime: new Timestamp({ t: Math.floor(now / 1000) - 3, i: 1 }) });
    now += 2000;
    progress.draw();
    assert.equal(written.pop(), '\r\x1b[K42 events, 20/s, lag 3.0 s');

    progress.caughtUp();
    now += 1000;
    progress.draw();
    assert.equal(written.pop(), '\r\x1b[K42 events, 0.0/s, lag 0.0 s', 'an empty batch means the watcher is level with the server');

    progress.clear();
    assert.equal(written.pop(), '\r\x1b[K', 'clear erases the drawn line');
    progress.clear();
    progress.stop();
    assert.equal(written.length, 0, 'nothing to erase twice');
  });
});
