"""start_after and resume_after.

1. A stream sees insert + drop + invalidate; the invalidate event's _id is kept.
2. start_after=<invalidate token> is accepted and sees the inserts made after the drop (one made before the stream
   opened, one after).
3. resume_after=<invalidate token> raises OperationFailure 260 InvalidResumeToken (at watch(), as mongod checks it
   in the aggregate).
4. resume_after=<token of the first of three inserts> sees the second and third (no repeat, no loss), then a fourth
   insert made after the resumed stream opened, then nothing more.
"""
from _common import connect, drain, emit, expect_failure, next_change, summary, uri

client = connect(uri())
db = client.pymongo_resume
coll = db.things
coll.drop()
coll.insert_one({'_id': 'seed'})

# 1. an invalidate token
first = []
with coll.watch(max_await_time_ms=100) as stream:
    coll.insert_one({'_id': 'before-drop'})
    coll.drop()
    while stream.alive:
        change = stream.try_next()
        if change is not None:
            first.append(change)
invalidate_token = first[-1]['_id'] if first else None

# 2. start_after the invalidate
coll.insert_one({'_id': 'after-drop-1'})
with coll.watch(start_after=invalidate_token, max_await_time_ms=100) as stream:
    coll.insert_one({'_id': 'after-drop-2'})
    start_after_changes = drain(stream)
    start_after_alive = stream.alive

# 3. resume_after the invalidate
resume_after_invalidate = expect_failure(lambda: coll.watch(resume_after=invalidate_token))

# 4. resume_after an ordinary token
with coll.watch(max_await_time_ms=100) as stream:
    coll.insert_many([{'_id': 'r1'}, {'_id': 'r2'}, {'_id': 'r3'}])
    r1 = next_change(stream)
r1_token = r1['_id'] if r1 else None
with coll.watch(resume_after=r1_token, max_await_time_ms=100) as stream:
    resumed = [next_change(stream), next_change(stream)]
    coll.insert_one({'_id': 'r4'})
    resumed.append(next_change(stream))
    resumed.extend(drain(stream))

emit({
    'first': [summary(c) for c in first],
    'invalidateToken': invalidate_token,
    'startAfter': [summary(c) for c in start_after_changes],
    'startAfterAlive': start_after_alive,
    'resumeAfterInvalidate': resume_after_invalidate,
    'r1': summary(r1) if r1 else None,
    'resumeAfter': [summary(c) if c else None for c in resumed],
})
client.close()
