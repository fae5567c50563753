"""Update events: updateDescription, and full_document='updateLookup'.

Default stream: a $set/$unset update gives updatedFields/removedFields/truncatedArrays [] and NO fullDocument key;
a pipeline update shrinking an array gives truncatedArrays [{field, newSize}]; a replace gives the new fullDocument.

updateLookup stream: two updates made before the stream's next getMore both carry the CURRENT document (looked up
when the event is returned, not a post-image of each update); an update followed by a delete of the document carries
fullDocument None (present), and the delete event has no fullDocument.
"""
from _common import connect, drain, emit, next_change, summary, uri

client = connect(uri())
coll = client.pymongo_updates.docs
coll.drop()
coll.insert_one({'_id': 1, 'a': 1, 'b': 2, 'arr': [1, 2, 3, 4], 'nested': {'x': 1}})

with coll.watch(max_await_time_ms=100) as stream:
    coll.update_one({'_id': 1}, {'$set': {'a': 10, 'nested.y': 2, 'arr.0': 7}, '$unset': {'b': ''}})
    coll.update_one({'_id': 1}, [{'$set': {'arr': {'$slice': ['$arr', 2]}}}])
    coll.replace_one({'_id': 1}, {'a': 'replaced'})
    default_changes = [next_change(stream), next_change(stream), next_change(stream)]
    default_changes.extend(drain(stream))

coll.replace_one({'_id': 1}, {'_id': 1, 'counter': 0})
with coll.watch(full_document='updateLookup', max_await_time_ms=100) as stream:
    # watch() ran only the aggregate; no getMore is outstanding, so both lookups happen after both updates.
    coll.update_one({'_id': 1}, {'$inc': {'counter': 1}})
    coll.update_one({'_id': 1}, {'$inc': {'counter': 1}, '$set': {'last': True}})
    lookup_changes = [next_change(stream), next_change(stream)]
    coll.update_one({'_id': 1}, {'$inc': {'counter': 1}})
    coll.delete_one({'_id': 1})
    lookup_changes.extend([next_change(stream), next_change(stream)])
    lookup_changes.extend(drain(stream))

emit({
    'default': [summary(c) if c else None for c in default_changes],
    'updateLookup': [summary(c) if c else None for c in lookup_changes],
})
client.close()
