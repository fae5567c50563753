"""start_at_operation_time, as pymongo's own test_start_at_operation_time does it.

An insert made BEFORE the ping must not be seen; ping's operationTime + 1 increment is the start; three inserts
made after it (before the stream opens) are received, exactly those three, then nothing more.
"""
from bson.timestamp import Timestamp

from _common import connect, drain, emit, next_change, summary, uri

client = connect(uri())
coll = client.pymongo_start_at.docs
coll.drop()
coll.insert_one({'_id': 'before'})

ping = client.admin.command('ping')
optime = ping['operationTime']
start = Timestamp(optime.time, optime.inc + 1)

coll.insert_many([{'_id': i} for i in range(3)])
with coll.watch(start_at_operation_time=start, max_await_time_ms=100) as stream:
    changes = [next_change(stream) for _ in range(3)]
    changes.extend(drain(stream))

emit({
    'pingOperationTime': optime,
    'start': start,
    'changes': [summary(c) if c else None for c in changes],
    'clusterTimes': [c['clusterTime'] if c else None for c in changes],
})
client.close()
