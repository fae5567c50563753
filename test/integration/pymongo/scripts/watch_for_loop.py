"""The documented blocking loop: `with coll.watch() as stream: for change in stream: ...`.

A second MongoClient in a background thread inserts N documents one by one while the main thread sits in the for
loop; the loop collects N inserts and breaks.
"""
import threading

from _common import connect, emit, summary, uri

N = 10

server_uri = uri()
client = connect(server_uri)
coll = client.pymongo_for_loop.items
coll.drop()

inserted = []
writer_errors = []


def writer():
    try:
        other = connect(server_uri)
        target = other.pymongo_for_loop.items
        for i in range(N):
            doc = {'n': i, 'name': 'item-%d' % i, 'tags': ['a', 'b'], 'nested': {'i': i}}
            target.insert_one(doc)  # insert_one adds the generated ObjectId _id to doc
            inserted.append(doc)
        other.close()
    except Exception as exc:  # reported in the JSON so the test shows it
        writer_errors.append(repr(exc))


changes = []
with coll.watch() as stream:
    thread = threading.Thread(target=writer)
    thread.start()
    for change in stream:
        changes.append(change)
        if len(changes) == N:
            break
    alive_inside = stream.alive
thread.join()

emit({
    'inserted': inserted,
    'writerErrors': writer_errors,
    'changes': [summary(c) for c in changes],
    'aliveBeforeClose': alive_inside,
    'aliveAfterWith': stream.alive,
})
client.close()
