"""Cursors as pymongo pages through them.

- A batch that ends on the last document of a scan leaves the cursor open (the server does not read ahead), so
  batch_size=5 over 10 documents costs two getMores, the last one empty; with a limit of 10 the second batch reaches
  the limit and closes the cursor, so one getMore.
- pymongo 3.11 sends an exhaust cursor's find as a legacy OP_QUERY with the exhaust flag, which mongod 8.0 no longer
  serves: iterating it raises OperationFailure 5739101.
"""
from pymongo import CursorType, monitoring
from pymongo.errors import OperationFailure

from _common import connect, emit, error_info, uri


class Replies(monitoring.CommandListener):
    def __init__(self):
        self.get_mores = []

    def started(self, event):
        pass

    def succeeded(self, event):
        if event.command_name == 'getMore':
            cursor = event.reply['cursor']
            self.get_mores.append([len(cursor['nextBatch']), cursor['id'] != 0])

    def failed(self, event):
        pass


replies = Replies()
client = connect(uri(), event_listeners=[replies])
coll = client.pymongo_cursors.docs
coll.drop()
coll.insert_many([{'_id': i} for i in range(10)])

out = {}
out['batched'] = [d['_id'] for d in coll.find(batch_size=5)]
out['batchedGetMores'] = replies.get_mores
replies.get_mores = []
out['limited'] = [d['_id'] for d in coll.find(batch_size=5, limit=10)]
out['limitedGetMores'] = replies.get_mores

try:
    out['exhaust'] = {'type': None, 'result': [d['_id'] for d in coll.find(cursor_type=CursorType.EXHAUST)]}
except OperationFailure as exc:
    out['exhaust'] = error_info(exc)
# The connection pool is still usable afterwards.
out['afterExhaust'] = coll.count_documents({})

emit(out)
client.close()
