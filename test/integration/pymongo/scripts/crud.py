"""CRUD sanity through pymongo: the commands every application sends before it ever watches anything."""
from pymongo import ASCENDING, DESCENDING, monitoring
from pymongo.errors import BulkWriteError, DuplicateKeyError

from _common import connect, emit, uri


class CommandCounter(monitoring.CommandListener):
    def __init__(self):
        self.names = []

    def started(self, event):
        self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


counter = CommandCounter()
client = connect(uri(), event_listeners=[counter])
db = client.pymongo_crud
db.people.drop()
people = db.people
out = {}

one = people.insert_one({'name': 'ada', 'age': 36, 'tags': ['math']})
out['insertOne'] = {'acknowledged': one.acknowledged, 'idType': type(one.inserted_id).__name__}
many = people.insert_many([{'_id': i, 'name': 'p%d' % i, 'age': 20 + i, 'group': i % 3} for i in range(10)])
out['insertMany'] = many.inserted_ids

out['findOne'] = people.find_one({'name': 'ada'}, {'_id': 0})
out['findSorted'] = list(people.find({'group': 1}, {'_id': 1, 'age': 1}).sort('age', DESCENDING))
out['findSkipLimit'] = [d['_id'] for d in people.find({'group': {'$exists': True}}).sort('_id', ASCENDING).skip(2).limit(3)]
# batch_size=3 over 10 documents: one find and three getMores.
getmores_before = counter.names.count('getMore')
out['findBatched'] = [d['_id'] for d in people.find({'group': {'$exists': True}}, batch_size=3).sort('_id', ASCENDING)]
out['findBatchedGetMores'] = counter.names.count('getMore') - getmores_before

upd = people.update_one({'_id': 4}, {'$set': {'name': 'four'}, '$inc': {'age': 1}, '$push': {'tags': 'x'}})
out['updateOne'] = {'matched': upd.matched_count, 'modified': upd.modified_count, 'upsertedId': upd.upserted_id}
out['afterUpdate'] = people.find_one({'_id': 4})
ups = people.update_one({'_id': 'new'}, {'$set': {'v': 1}}, upsert=True)
out['upsert'] = {'matched': ups.matched_count, 'modified': ups.modified_count, 'upsertedId': ups.upserted_id}
noop = people.update_one({'_id': 4}, {'$set': {'name': 'four'}})
out['noopUpdate'] = {'matched': noop.matched_count, 'modified': noop.modified_count}

out['countAll'] = people.count_documents({})
out['countGroup0'] = people.count_documents({'group': 0})
dele = people.delete_many({'group': 0})
out['deleteMany'] = dele.deleted_count
out['countAfterDelete'] = people.count_documents({})
out['distinctGroups'] = sorted(people.distinct('group'))
out['aggregate'] = list(people.aggregate([
    {'$match': {'group': {'$exists': True}}},
    {'$group': {'_id': '$group', 'n': {'$sum': 1}, 'maxAge': {'$max': '$age'}}},
    {'$sort': {'_id': 1}},
]))

out['createIndex'] = people.create_index([('name', ASCENDING)], unique=True)
out['indexes'] = sorted((ix['name'], bool(ix.get('unique'))) for ix in people.list_indexes())
try:
    people.insert_one({'name': 'ada'})
    out['duplicate'] = None
except DuplicateKeyError as exc:
    out['duplicate'] = {'type': type(exc).__name__, 'code': exc.code, 'errmsg': exc.details.get('errmsg')}
try:
    people.insert_many([{'_id': 100, 'name': 'fresh'}, {'_id': 101, 'name': 'ada'}, {'_id': 102, 'name': 'late'}])
    out['duplicateMany'] = None
except BulkWriteError as exc:
    out['duplicateMany'] = {
        'type': type(exc).__name__,
        'nInserted': exc.details.get('nInserted'),
        'writeErrors': [{'index': e['index'], 'code': e['code']} for e in exc.details.get('writeErrors', [])],
    }
out['countAfterDuplicates'] = people.count_documents({'_id': {'$in': [100, 101, 102]}})
out['collections'] = sorted(db.list_collection_names())

emit(out)
client.close()
