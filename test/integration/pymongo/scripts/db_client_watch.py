"""db.watch() and client.watch().

Database stream on A: inserts into A.c1 and A.c2 are seen, an insert into B.other is not; a sentinel insert into A
ends the collection. Cluster stream: inserts into A.c1 and B.c2 are seen, an insert into admin is not (mongod's
cluster streams exclude admin, config and local); a sentinel ends the collection. Both use the documented for loop.
"""
from _common import connect, emit, summary, uri

client = connect(uri())
db_a = client.pymongo_watch_a
db_b = client.pymongo_watch_b
for db in (db_a, db_b):
    client.drop_database(db.name)


def collect_until_sentinel(stream):
    seen = []
    for change in stream:
        seen.append(change)
        if change.get('fullDocument', {}).get('sentinel'):
            break
    return seen


with db_a.watch() as stream:
    db_a.c1.insert_one({'_id': 'a1'})
    db_a.c2.insert_one({'_id': 'a2'})
    db_b.other.insert_one({'_id': 'b-ignored'})
    db_a.c3.insert_one({'_id': 'a-end', 'sentinel': True})
    database_changes = collect_until_sentinel(stream)

with client.watch() as stream:
    db_a.c1.insert_one({'_id': 'ca1'})
    db_b.c2.insert_one({'_id': 'cb2'})
    client.admin.pymongo_probe.insert_one({'_id': 'admin-ignored'})
    db_a.c1.update_one({'_id': 'ca1'}, {'$set': {'touched': True}})
    db_b.c2.insert_one({'_id': 'c-end', 'sentinel': True})
    cluster_changes = collect_until_sentinel(stream)
client.admin.pymongo_probe.drop()

emit({
    'database': [summary(c) for c in database_changes],
    'cluster': [summary(c) for c in cluster_changes],
})
client.close()
