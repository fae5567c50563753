"""The documented non-blocking loop: `while stream.alive: change = stream.try_next(); print(stream.resume_token) ...`.

With max_await_time_ms=100 each try_next runs at most one getMore of ~100 ms. A background thread waits for two
empty passes, writes to ANOTHER collection (the stream's token should still advance: the postBatchResumeToken is a
high-water mark), waits for two more empty passes, then inserts three documents, updates one, deletes one and drops
the collection. The loop must see them in order, then `invalidate`, after which `stream.alive` turns False by itself
and the loop ends. The loop is the documented one; the resume token is recorded on every pass.
"""
import threading
import time

from _common import connect, emit, summary, uri

MAX_PASSES = 150  # ~15 s of 100 ms polls: far more than needed; the watchdog ends a hang sooner anyway

server_uri = uri()
client = connect(server_uri)
db = client.pymongo_try_next
db.events.drop()
db.events.insert_one({'_id': 'existing'})  # the collection exists before the stream opens

writer_errors = []
passes = []  # one entry per loop pass: the token after try_next and whether a change came
marks = {}  # the number of passes made when the writer did its unrelated and its real writes


def wait_for_empty_passes(count):
    deadline = time.monotonic() + 5
    while sum(1 for p in passes if not p['change']) < count:
        if time.monotonic() > deadline:
            raise RuntimeError('the loop made no empty passes')
        time.sleep(0.01)


def writer():
    try:
        other = connect(server_uri)
        wait_for_empty_passes(2)
        marks['unrelatedWriteAfterPass'] = len(passes)
        other.pymongo_try_next.unrelated.insert_one({'x': 1})
        # passes[done] may have started before the write committed; passes[done + 1] certainly did not.
        marks['unrelatedWriteDoneAtPass'] = done = len(passes)
        wait_for_empty_passes(done + 2)
        marks['writesAfterPass'] = len(passes)
        coll = other.pymongo_try_next.events
        coll.insert_one({'_id': 1, 'v': 'one'})
        coll.insert_one({'_id': 2, 'v': 'two'})
        coll.insert_one({'_id': 3, 'v': 'three'})
        coll.update_one({'_id': 2}, {'$set': {'v': 'TWO'}})
        coll.delete_one({'_id': 3})
        coll.drop()
        other.close()
    except Exception as exc:
        writer_errors.append(repr(exc))


changes = []
stream = db.events.watch(max_await_time_ms=100)
token_at_open = stream.resume_token
thread = threading.Thread(target=writer)
with stream:
    thread.start()
    while stream.alive:
        change = stream.try_next()
        # Note that the ChangeStream's resume token may be updated
        # even when no changes are returned.
        print("Current resume token: %r" % (stream.resume_token,))
        passes.append({'token': stream.resume_token, 'change': change is not None})
        if change is not None:
            print("Change document: %r" % (change,))
            changes.append({'summary': summary(change), 'token': change['_id'],
                            'tokenAfter': stream.resume_token})
            continue
        if len(passes) >= MAX_PASSES:
            break
        # We end up here when there are no recent changes.
        # Sleep for a while before trying again to avoid flooding
        # the server with getMore requests when no changes are
        # available.
        time.sleep(0.05)
    loop_ended_by_itself = not stream.alive
thread.join()

emit({
    'tokenAtOpen': token_at_open,
    'passes': passes,
    'changes': changes,
    'loopEndedByItself': loop_ended_by_itself,
    'marks': marks,
    'writerErrors': writer_errors,
})
client.close()
